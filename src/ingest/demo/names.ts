import type { Random } from './random.ts';

/** A generated person's name, with the romanization that emails are made of. */
export interface PersonName {
  /** As shown: "王芳", or "Vivian Zhang" / "Emma Clarke" for English names. */
  readonly display: string;
  /** Lower-case ASCII parts for email addresses: given name first. */
  readonly latin: readonly [given: string, family: string];
  readonly english: boolean;
}

export type Gender = 'female' | 'male';

// The most common surnames with their approximate share of the population in percent (after the
// Ministry of Public Security's household-registration rankings; the tail is rounded), with pinyin.
const surnames: readonly (readonly [string, string, number])[] = [
  ['王', 'wang', 7.1], ['李', 'li', 7.0], ['张', 'zhang', 6.7], ['刘', 'liu', 5.4], ['陈', 'chen', 4.6], ['杨', 'yang', 3.1],
  ['黄', 'huang', 2.2], ['赵', 'zhao', 2.0], ['吴', 'wu', 1.9], ['周', 'zhou', 1.9], ['徐', 'xu', 1.5], ['孙', 'sun', 1.5],
  ['马', 'ma', 1.4], ['朱', 'zhu', 1.3], ['胡', 'hu', 1.2], ['郭', 'guo', 1.2], ['何', 'he', 1.1], ['林', 'lin', 1.1],
  ['高', 'gao', 1.1], ['罗', 'luo', 0.9], ['郑', 'zheng', 0.9], ['梁', 'liang', 0.9], ['谢', 'xie', 0.8], ['宋', 'song', 0.7],
  ['唐', 'tang', 0.7], ['许', 'xu', 0.7], ['韩', 'han', 0.7], ['冯', 'feng', 0.7], ['邓', 'deng', 0.7], ['曹', 'cao', 0.6],
  ['彭', 'peng', 0.6], ['曾', 'zeng', 0.6], ['肖', 'xiao', 0.6], ['田', 'tian', 0.5], ['董', 'dong', 0.5], ['袁', 'yuan', 0.5],
  ['潘', 'pan', 0.5], ['于', 'yu', 0.5], ['蒋', 'jiang', 0.5], ['蔡', 'cai', 0.5], ['余', 'yu', 0.5], ['杜', 'du', 0.5],
  ['叶', 'ye', 0.4], ['程', 'cheng', 0.4], ['苏', 'su', 0.4], ['魏', 'wei', 0.4], ['吕', 'lv', 0.4], ['丁', 'ding', 0.4],
  ['任', 'ren', 0.4], ['沈', 'shen', 0.4], ['姚', 'yao', 0.4], ['卢', 'lu', 0.4], ['姜', 'jiang', 0.4], ['崔', 'cui', 0.3],
  ['钟', 'zhong', 0.3], ['谭', 'tan', 0.3], ['陆', 'lu', 0.3], ['汪', 'wang', 0.3], ['范', 'fan', 0.3], ['金', 'jin', 0.3],
  ['石', 'shi', 0.3], ['廖', 'liao', 0.3], ['贾', 'jia', 0.3], ['夏', 'xia', 0.3], ['韦', 'wei', 0.3], ['付', 'fu', 0.3],
  ['方', 'fang', 0.3], ['白', 'bai', 0.3], ['邹', 'zou', 0.3], ['孟', 'meng', 0.3], ['熊', 'xiong', 0.3], ['秦', 'qin', 0.3],
  ['邱', 'qiu', 0.3], ['江', 'jiang', 0.3], ['尹', 'yin', 0.3], ['薛', 'xue', 0.2], ['闫', 'yan', 0.2], ['段', 'duan', 0.2],
  ['雷', 'lei', 0.2], ['侯', 'hou', 0.2], ['龙', 'long', 0.2], ['史', 'shi', 0.2], ['陶', 'tao', 0.2], ['黎', 'li', 0.2],
  ['贺', 'he', 0.2], ['顾', 'gu', 0.2], ['毛', 'mao', 0.2], ['郝', 'hao', 0.2], ['龚', 'gong', 0.2], ['邵', 'shao', 0.2],
  ['万', 'wan', 0.2], ['钱', 'qian', 0.2], ['严', 'yan', 0.2], ['武', 'wu', 0.2], ['戴', 'dai', 0.2], ['莫', 'mo', 0.2],
  ['孔', 'kong', 0.2], ['汤', 'tang', 0.2], ['欧阳', 'ouyang', 0.05], ['司马', 'sima', 0.01], ['上官', 'shangguan', 0.01],
];

const femaleChars: readonly (readonly [string, string])[] = [
  ['芳', 'fang'], ['娜', 'na'], ['敏', 'min'], ['静', 'jing'], ['丽', 'li'], ['艳', 'yan'], ['娟', 'juan'], ['霞', 'xia'],
  ['婷', 'ting'], ['雪', 'xue'], ['慧', 'hui'], ['琳', 'lin'], ['晶', 'jing'], ['颖', 'ying'], ['欣', 'xin'], ['怡', 'yi'],
  ['佳', 'jia'], ['悦', 'yue'], ['梦', 'meng'], ['雨', 'yu'], ['萱', 'xuan'], ['涵', 'han'], ['诗', 'shi'], ['琪', 'qi'],
  ['思', 'si'], ['玉', 'yu'], ['月', 'yue'], ['倩', 'qian'], ['婧', 'jing'], ['璐', 'lu'], ['晓', 'xiao'], ['洁', 'jie'],
  ['燕', 'yan'], ['蕾', 'lei'], ['妍', 'yan'], ['馨', 'xin'], ['可', 'ke'], ['心', 'xin'], ['宁', 'ning'], ['瑶', 'yao'],
];
const maleChars: readonly (readonly [string, string])[] = [
  ['伟', 'wei'], ['强', 'qiang'], ['磊', 'lei'], ['军', 'jun'], ['洋', 'yang'], ['勇', 'yong'], ['杰', 'jie'], ['涛', 'tao'],
  ['明', 'ming'], ['超', 'chao'], ['鹏', 'peng'], ['浩', 'hao'], ['宇', 'yu'], ['轩', 'xuan'], ['博', 'bo'], ['文', 'wen'],
  ['俊', 'jun'], ['斌', 'bin'], ['建', 'jian'], ['国', 'guo'], ['志', 'zhi'], ['凯', 'kai'], ['晨', 'chen'], ['辉', 'hui'],
  ['子', 'zi'], ['睿', 'rui'], ['泽', 'ze'], ['昊', 'hao'], ['天', 'tian'], ['一', 'yi'], ['嘉', 'jia'], ['航', 'hang'],
  ['峰', 'feng'], ['林', 'lin'], ['成', 'cheng'], ['飞', 'fei'], ['毅', 'yi'], ['健', 'jian'], ['然', 'ran'], ['铭', 'ming'],
];

const englishFemale = ['Vivian', 'Grace', 'Emily', 'Cindy', 'Sophia', 'Linda', 'Amy', 'Helen', 'Cherry', 'Coco', 'Iris', 'Jessica', 'Olivia', 'Emma', 'Chloe', 'Zoe', 'Fiona', 'Rachel'];
const englishMale = ['Kevin', 'Jason', 'Eric', 'David', 'Tony', 'Leo', 'Jack', 'Michael', 'Daniel', 'Andy', 'Frank', 'Oliver', 'James', 'Henry', 'Ryan', 'Alex', 'Sam', 'Tom'];
const westernFamily = ['Smith', 'Jones', 'Taylor', 'Brown', 'Williams', 'Wilson', 'Clarke', 'Walker', 'Wright', 'Evans', 'Thompson', 'Tan', 'Lim', 'Ng', 'Wong', 'Lee', 'Chan', 'Koh'];

/**
 * Draws a name. Chinese names are a surname (by frequency) and one or two given-name characters (about
 * a third are single); English names are either an English given name with a pinyin surname (common
 * among mainland office workers: "Vivian Zhang") or, abroad, a western or Straits-Chinese family name.
 */
export function drawName(random: Random, gender: Gender, options: { english: boolean; abroad: boolean }): PersonName {
  const [surname, surnameLatin] = random.weighted(surnames, (s) => s[2]);
  if (options.english) {
    const given = random.pick(gender === 'female' ? englishFemale : englishMale);
    const family = options.abroad && random.chance(0.6) ? random.pick(westernFamily) : capitalize(surnameLatin);
    return { display: `${given} ${family}`, latin: [given.toLowerCase(), family.toLowerCase()], english: true };
  }
  const pool = gender === 'female' ? femaleChars : maleChars;
  const first = random.pick(pool);
  if (random.chance(0.32)) return { display: `${surname}${first[0]}`, latin: [first[1], surnameLatin], english: false };
  const second = random.pick(pool);
  return { display: `${surname}${first[0]}${second[0]}`, latin: [`${first[1]}${second[1]}`, surnameLatin], english: false };
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

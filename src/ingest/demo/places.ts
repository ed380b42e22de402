import type { Random } from './random.ts';

/** A city customers live in, with its stores (none for most smaller cities). */
export interface City {
  readonly city: string;
  readonly province: string | null;
  /** ISO 3166-1 alpha-2. */
  readonly country: string;
  readonly timezone: string;
  /** Relative share of customers. */
  readonly weight: number;
  readonly stores: readonly string[];
}

// Shares lean to the tier-1 and "new tier-1" cities where a premium tea brand sells most.
export const cities: readonly City[] = [
  { city: '上海', province: '上海', country: 'CN', timezone: 'Asia/Shanghai', weight: 16, stores: ['上海静安店', '上海徐汇店', '上海浦东店'] },
  { city: '北京', province: '北京', country: 'CN', timezone: 'Asia/Shanghai', weight: 13, stores: ['北京三里屯店', '北京国贸店'] },
  { city: '杭州', province: '浙江', country: 'CN', timezone: 'Asia/Shanghai', weight: 8, stores: ['杭州西湖店'] },
  { city: '深圳', province: '广东', country: 'CN', timezone: 'Asia/Shanghai', weight: 9, stores: ['深圳南山店', '深圳福田店'] },
  { city: '广州', province: '广东', country: 'CN', timezone: 'Asia/Shanghai', weight: 8, stores: ['广州天河店'] },
  { city: '成都', province: '四川', country: 'CN', timezone: 'Asia/Shanghai', weight: 7, stores: ['成都太古里店'] },
  { city: '重庆', province: '重庆', country: 'CN', timezone: 'Asia/Shanghai', weight: 4, stores: ['重庆解放碑店'] },
  { city: '武汉', province: '湖北', country: 'CN', timezone: 'Asia/Shanghai', weight: 5, stores: ['武汉江汉路店'] },
  { city: '南京', province: '江苏', country: 'CN', timezone: 'Asia/Shanghai', weight: 5, stores: ['南京新街口店'] },
  { city: '苏州', province: '江苏', country: 'CN', timezone: 'Asia/Shanghai', weight: 4, stores: ['苏州观前街店'] },
  { city: '西安', province: '陕西', country: 'CN', timezone: 'Asia/Shanghai', weight: 4, stores: ['西安曲江店'] },
  { city: '天津', province: '天津', country: 'CN', timezone: 'Asia/Shanghai', weight: 3, stores: [] },
  { city: '长沙', province: '湖南', country: 'CN', timezone: 'Asia/Shanghai', weight: 3, stores: [] },
  { city: '厦门', province: '福建', country: 'CN', timezone: 'Asia/Shanghai', weight: 2.5, stores: [] },
  { city: '青岛', province: '山东', country: 'CN', timezone: 'Asia/Shanghai', weight: 2, stores: [] },
  { city: '宁波', province: '浙江', country: 'CN', timezone: 'Asia/Shanghai', weight: 2, stores: [] },
  { city: '郑州', province: '河南', country: 'CN', timezone: 'Asia/Shanghai', weight: 2, stores: [] },
  { city: '昆明', province: '云南', country: 'CN', timezone: 'Asia/Shanghai', weight: 1.5, stores: [] },
  { city: 'Hong Kong', province: null, country: 'HK', timezone: 'Asia/Hong_Kong', weight: 1.2, stores: ['香港铜锣湾店'] },
  { city: 'Singapore', province: null, country: 'SG', timezone: 'Asia/Singapore', weight: 1.2, stores: [] },
  { city: 'London', province: null, country: 'GB', timezone: 'Europe/London', weight: 0.6, stores: [] },
];

/** Every store, in a fixed order. */
export const allStores: readonly string[] = cities.flatMap((c) => c.stores);

// Mainland mobile prefixes of the three carriers (MIIT numbering plan); 11 digits in all.
const mobilePrefixes = ['130', '131', '132', '133', '135', '136', '137', '138', '139', '150', '151', '152', '155', '156', '157', '158', '159', '166', '176', '177', '180', '181', '182', '183', '185', '186', '187', '188', '189', '198', '199'];

/** A mobile number as people type it: mainland numbers without a country code, others with one. */
export function drawMobile(random: Random, country: string): string {
  const digits = (n: number) => random.chars('0123456789', n);
  switch (country) {
    case 'HK':
      return `+852 ${random.pick(['5', '6', '9'])}${digits(3)} ${digits(4)}`;
    case 'SG':
      return `+65 ${random.pick(['8', '9'])}${digits(3)} ${digits(4)}`;
    case 'GB':
      return `+44 7${random.pick(['4', '5', '7', '8', '9'])}${digits(2)} ${digits(6)}`;
    default:
      return `${random.pick(mobilePrefixes)}${digits(8)}`;
  }
}

/** An email domain by country: QQ, NetEase and Sina at home, international webmail abroad. */
export function drawEmailDomain(random: Random, country: string): string {
  if (country !== 'CN') return random.weighted([['gmail.com', 5], ['outlook.com', 3], ['yahoo.com', 1], ['icloud.com', 2]] as const, (d) => d[1])[0];
  return random.weighted([['qq.com', 8], ['163.com', 5], ['126.com', 2], ['sina.com', 1], ['foxmail.com', 1], ['outlook.com', 1], ['gmail.com', 1], ['icloud.com', 1]] as const, (d) => d[1])[0];
}

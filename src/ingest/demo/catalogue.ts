/** A category of the demo shop, in Chinese (as stored) and English. */
export interface DemoCategory {
  readonly name: string;
  readonly nameEn: string;
  /** Relative share of order lines. */
  readonly weight: number;
}

/** A product of the demo shop; prices in fen. */
export interface DemoProduct {
  readonly sku: string;
  readonly name: string;
  readonly nameEn: string;
  readonly category: string;
  readonly priceMinor: number;
  /** Relative popularity within its category. */
  readonly popularity: number;
}

export const categories: readonly DemoCategory[] = [
  { name: '茶叶', nameEn: 'Tea', weight: 30 },
  { name: '花草茶', nameEn: 'Herbal tea', weight: 8 },
  { name: '茶具', nameEn: 'Teaware', weight: 12 },
  { name: '礼盒', nameEn: 'Gift boxes', weight: 8 },
  { name: '零食', nameEn: 'Snacks', weight: 14 },
  { name: '咖啡', nameEn: 'Coffee', weight: 9 },
  { name: '家居', nameEn: 'Home', weight: 6 },
  { name: '美妆', nameEn: 'Beauty', weight: 6 },
  { name: '文具', nameEn: 'Stationery', weight: 4 },
  { name: '课程', nameEn: 'Classes', weight: 3 },
];

const p = (sku: string, name: string, nameEn: string, category: string, yuan: number, popularity = 1): DemoProduct => ({
  sku,
  name,
  nameEn,
  category,
  priceMinor: Math.round(yuan * 100),
  popularity,
});

/** The catalogue: a premium tea-and-lifestyle brand's range, prices as on its flagship store. */
export const products: readonly DemoProduct[] = [
  p('TEA-LJ-250', '西湖龙井 明前特级 250g', 'West Lake Longjing, pre-Qingming grade, 250 g', '茶叶', 598, 1.2),
  p('TEA-LJ-100', '西湖龙井 雨前一级 100g', 'West Lake Longjing, first grade, 100 g', '茶叶', 198, 2),
  p('TEA-AJ-100', '安吉白茶 100g', 'Anji white tea, 100 g', '茶叶', 268, 1),
  p('TEA-DHP-200', '武夷山大红袍 200g', 'Wuyi Da Hong Pao, 200 g', '茶叶', 328, 1.2),
  p('TEA-PE-357', '云南普洱熟茶饼 357g', 'Yunnan ripe Pu-erh cake, 357 g', '茶叶', 198, 1),
  p('TEA-BMD-150', '福鼎白茶 白牡丹 150g', 'Fuding white peony, 150 g', '茶叶', 238, 1),
  p('TEA-ZS-200', '正山小种红茶 200g', 'Lapsang souchong, 200 g', '茶叶', 168, 1.3),
  p('TEA-TGY-250', '安溪铁观音 清香型 250g', 'Anxi Tieguanyin, light roast, 250 g', '茶叶', 158, 1.2),
  p('TEA-BLC-100', '洞庭碧螺春 100g', 'Dongting Biluochun, 100 g', '茶叶', 218, 0.8),
  p('TEA-MLH-200', '茉莉花茶 200g', 'Jasmine green tea, 200 g', '茶叶', 88, 1.8),
  p('TEA-COLD-20', '冷泡茶随手包 20袋', 'Cold-brew tea sachets, 20 bags', '茶叶', 69, 2.5),
  p('TEA-EB-100', '英式早餐红茶 100袋', 'English breakfast tea, 100 bags', '茶叶', 59, 1.5),
  p('HRB-ROSE-50', '平阴玫瑰花茶 50g', 'Pingyin rose buds, 50 g', '花草茶', 49, 1.5),
  p('HRB-JH-80', '菊花枸杞茶 80g', 'Chrysanthemum and goji tea, 80 g', '花草茶', 39, 1.2),
  p('HRB-DM-300', '大麦茶 300g', 'Roasted barley tea, 300 g', '花草茶', 29, 1.5),
  p('HRB-OSM-30', '桂花乌龙 30袋', 'Osmanthus oolong, 30 bags', '花草茶', 59, 1),
  p('WARE-GW-01', '汝窑开片盖碗', 'Ru-ware gaiwan', '茶具', 168, 1.5),
  p('WARE-ZS-01', '宜兴紫砂壶 西施壶', 'Yixing clay teapot, Xishi shape', '茶具', 688, 0.5),
  p('WARE-GDB-01', '玻璃公道杯', 'Glass fairness pitcher', '茶具', 59, 1.5),
  p('WARE-TRV-01', '便携旅行茶具套装', 'Travel tea set', '茶具', 239, 1),
  p('WARE-CUP-02', '龙泉青瓷品茗杯 2只', 'Longquan celadon cups, pair', '茶具', 98, 1.5),
  p('WARE-TRAY-01', '竹制干泡茶盘', 'Bamboo tea tray', '茶具', 328, 0.6),
  p('WARE-STOVE-01', '电陶炉煮茶器', 'Electric tea stove', '茶具', 399, 0.5),
  p('GIFT-CNY-01', '新春团圆茶礼盒', 'Lunar New Year reunion tea gift box', '礼盒', 398, 1.2),
  p('GIFT-MA-01', '中秋月饼茶礼盒', 'Mid-Autumn mooncake and tea gift box', '礼盒', 298, 1.2),
  p('GIFT-LJ-01', '龙井臻品礼盒', 'Longjing premium gift box', '礼盒', 888, 0.6),
  p('GIFT-BIZ-01', '企业定制茶礼', 'Corporate custom tea gift', '礼盒', 1288, 0.3),
  p('GIFT-DW-01', '端午粽香茶礼', 'Dragon Boat Festival tea gift', '礼盒', 198, 0.6),
  p('GIFT-SAMP-01', '六大茶类品鉴装', 'Six tea families tasting set', '礼盒', 168, 1),
  p('SNK-MC-01', '抹茶曲奇 200g', 'Matcha cookies, 200 g', '零食', 39, 2),
  p('SNK-GHG-01', '桂花糕 6枚', 'Osmanthus cakes, 6 pieces', '零食', 29, 1.8),
  p('SNK-NUT-30', '每日坚果 30包', 'Daily nuts, 30 packs', '零食', 129, 1.2),
  p('SNK-MANGO-01', '芒果干 150g', 'Dried mango, 150 g', '零食', 25, 1.5),
  p('SNK-XHB-06', '云南鲜花饼 6枚', 'Yunnan rose pastries, 6 pieces', '零食', 45, 1.3),
  p('SNK-TEAJ-01', '茶香瓜子 300g', 'Tea-roasted sunflower seeds, 300 g', '零食', 22, 1.2),
  p('COF-BS-500', '云南保山咖啡豆 500g', 'Yunnan Baoshan coffee beans, 500 g', '咖啡', 128, 1.2),
  p('COF-DRIP-20', '挂耳咖啡 20片', 'Drip-bag coffee, 20 bags', '咖啡', 79, 2),
  p('COF-COLD-01', '冷萃咖啡液 12颗', 'Cold-brew coffee concentrate, 12 capsules', '咖啡', 69, 1.5),
  p('COF-KETTLE-01', '手冲细口壶', 'Pour-over gooseneck kettle', '咖啡', 199, 0.5),
  p('HOME-CANDLE-01', '白茶香薰蜡烛', 'White tea scented candle', '家居', 129, 1.5),
  p('HOME-RUNNER-01', '亚麻茶席桌旗', 'Linen table runner', '家居', 89, 1),
  p('HOME-VASE-01', '陶瓷小花器', 'Ceramic bud vase', '家居', 159, 0.8),
  p('HOME-STONE-01', '茶香扩香石', 'Tea-scented diffuser stone', '家居', 99, 1),
  p('BTY-HAND-01', '白茶护手霜 50ml', 'White tea hand cream, 50 ml', '美妆', 69, 2),
  p('BTY-CLN-01', '绿茶氨基酸洁面乳', 'Green tea amino-acid cleanser', '美妆', 89, 1.2),
  p('BTY-ROSE-01', '玫瑰纯露 200ml', 'Rose hydrosol, 200 ml', '美妆', 129, 0.8),
  p('BTY-OIL-01', '茶树精油 10ml', 'Tea tree essential oil, 10 ml', '美妆', 79, 1),
  p('STA-NOTE-01', '宣纸线装笔记本', 'Xuan paper stitched notebook', '文具', 39, 1.5),
  p('STA-CAL-01', '书法练字帖套装', 'Calligraphy practice set', '文具', 59, 1),
  p('STA-CARD-01', '茶山明信片 12张', 'Tea mountain postcards, 12 cards', '文具', 19, 1.5),
  p('STA-MARK-01', '黄铜书签', 'Brass bookmark', '文具', 49, 1),
  p('CLS-TEA-01', '茶艺体验课（门店）', 'Tea ceremony class (in store)', '课程', 199, 1),
  p('CLS-ONLINE-01', '线上品茶入门课', 'Online tea tasting course', '课程', 99, 1),
];

/** Products grouped by category, in catalogue order. */
export const productsByCategory: ReadonlyMap<string, readonly DemoProduct[]> = new Map(categories.map((c) => [c.name, products.filter((x) => x.category === c.name)]));

"""Built-in text corpus for synthetic pages: templated Simplified Chinese local news and
hand-written Traditional Chinese sentences for vertical pages.

Everything is generated from a `random.Random`, so a seed fixes the text. The places,
people and the paper are fictional; numbers are drawn at random, so no sentence reports a
real event.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

PAPER = "云溪日报"
PAPER_TRAD = "雲溪日報"

PLACES = [
    "云溪区", "东湖镇", "南山街道", "青石镇", "白塔村", "西岭乡", "桃源社区", "北港开发区",
    "柳湾村", "石桥镇", "龙泉街道", "花溪园区", "新城街道", "松林村", "河口镇",
]
UNITS = [
    "区教育局", "区卫健委", "区交通局", "区农业农村局", "区市场监管局", "区气象局",
    "区文旅局", "区住建局", "区人社局", "区生态环境局", "区消防救援大队", "区供电公司",
]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余"
    "于杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛闫段雷侯龙"
    "史陶黎贺顾毛郝龚邵万覃武钱戴严莫孔向汤"
)
GIVEN = (
    "明华军伟芳静丽强磊敏洋艳勇杰娟涛超霞平刚桂英秀兰建国志红玲婷雪梅晨宇浩然欣怡晓东"
    "海波鹏飞婧颖琳俊杨帆鑫蕾丹凯"
)

ORGS = ["区人民医院", "实验小学", "第一中学", "云溪职业技术学院", "区图书馆", "区文化馆",
        "区人民法院", "区档案馆", "区少年宫", "区体育中心"]
PRODUCTS = ["动力电池", "新能源汽车零部件", "光伏组件", "智能装备", "生物医药", "新型建材",
            "精密模具", "电子元器件", "绿色食品", "纺织面料"]
CROPS = ["水稻", "小麦", "油菜", "青虾", "茶叶", "葡萄", "草莓", "黄桃", "蔬菜", "螃蟹"]
EVENTS = ["项目推进会", "安全生产培训会", "志愿服务活动", "文艺汇演", "招聘会", "读书节",
          "科普宣传周", "运动会", "技能大赛", "义诊活动", "消防演练", "农民丰收节"]
PEOPLE = ["市民", "学生", "志愿者", "企业代表", "居民", "党员干部", "游客", "家长", "老人",
          "求职者"]
WEATHER = ["小雨", "多云", "阴天", "晴天", "雨夹雪", "阵雨", "大雾"]
BOOKS = ["乡村振兴", "城市记忆", "家风家训", "青春梦想", "科学之光", "民法典"]
CLOSERS = [
    "下一步，{unit}将继续加大工作力度，确保各项任务按期完成。",
    "“我们将把这件好事办好、实事办实。”{unit}负责人{name}说。",
    "据悉，该项目预计{year}年底全面建成投用。",
    "活动现场气氛热烈，不少{people}表示收获满满。",
    "目前，相关工作正在有序推进中。",
]


def person(rng: random.Random, spaced: bool = False) -> str:
    """A fictional name; two-character names are printed with a space in bylines."""
    sur = rng.choice(SURNAMES)
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 1, 2))))
    if spaced and len(given) == 1:
        return f"{sur} {given}"
    return sur + given


def _num(rng: random.Random, lo: float, hi: float, decimals: int = 0) -> str:
    v = rng.uniform(lo, hi)
    return f"{v:.{decimals}f}" if decimals else str(round(v))


_TEMPLATES: list[Callable[[random.Random], str]] = [
    lambda r: f"{r.randint(1, 12)}月{r.randint(1, 28)}日，{r.choice(PLACES)}"
    f"举行{r.choice(EVENTS)}，{_num(r, 60, 900)}余名{r.choice(PEOPLE)}参加。",
    lambda r: f"今年以来，{r.choice(PLACES)}{r.choice(PRODUCTS)}产业实现产值"
    f"{_num(r, 5, 300, 1)}亿元，同比增长{_num(r, 2, 35, 1)}%。",
    lambda r: f"记者从{r.choice(UNITS)}获悉，全区已累计完成投资{_num(r, 10, 200, 1)}亿元，"
    f"占年度计划的{_num(r, 60, 99)}%。",
    lambda r: f"{r.choice(ORGS)}负责人{person(r)}介绍，今年共接待{r.choice(PEOPLE)}"
    f"{_num(r, 1000, 90000)}人次，比去年增加{_num(r, 5, 40)}%。",
    lambda r: f"据{r.choice(UNITS)}预报，未来三天我区以{r.choice(WEATHER)}天气为主，"
    f"最高气温{r.randint(5, 36)}℃，最低气温{r.randint(-3, 20)}℃。",
    lambda r: f"“现在办事方便多了，以前要跑好几趟，现在一次就能办好。”"
    f"家住{r.choice(PLACES)}的{person(r)}说。",
    lambda r: f"{r.choice(PLACES)}全面推广{r.choice(CROPS)}生态种养模式，"
    f"种植面积稳定在{_num(r, 1, 9, 1)}万亩左右，亩均增收{_num(r, 300, 3000)}元。",
    lambda r: f"在{r.choice(ORGS)}，{_num(r, 20, 300)}名{r.choice(PEOPLE)}"
    f"围绕《{r.choice(BOOKS)}》主题开展阅读分享，现场气氛热烈。",
    lambda r: f"该项目总投资{_num(r, 2, 120, 1)}亿元，主要建设{r.choice(PRODUCTS)}生产线，"
    f"全面达产后可实现年销售收入{_num(r, 5, 300)}亿元。",
    lambda r: f"{r.choice(UNITS)}要求，各地各部门要压实责任、细化措施，"
    f"确保{r.choice(EVENTS)}各项工作落到实处。",
    lambda r: f"截至{r.randint(1, 12)}月底，全区城镇新增就业{_num(r, 3000, 20000)}人，"
    f"城镇登记失业率控制在{_num(r, 1, 3, 2)}%以内。",
    lambda r: f"{r.choice(PLACES)}投入资金{_num(r, 100, 5000)}万元，新建、改建道路"
    f"{_num(r, 3, 60, 1)}公里，群众出行更加便捷。",
    lambda r: f"活动期间，{r.choice(ORGS)}组织专家开展咨询服务，发放宣传资料"
    f"{_num(r, 500, 8000)}余份，解答群众问题{_num(r, 50, 600)}个。",
    lambda r: f"近年来，{r.choice(PLACES)}坚持以人民为中心的发展思想，"
    f"持续改善教育、医疗、养老等公共服务，群众获得感、幸福感不断增强。",
    lambda r: f"据统计，{r.randint(1, 12)}月份全区空气质量优良天数比例达"
    f"{_num(r, 70, 98, 1)}%，PM2.5平均浓度同比下降{_num(r, 3, 20, 1)}%。",
    lambda r: f"“孩子们在这里既能学知识，又能锻炼身体。”{r.choice(ORGS)}老师{person(r)}告诉记者。",
    lambda r: f"{r.choice(UNITS)}相关负责人表示，将进一步优化营商环境，"
    f"为企业发展提供全方位、全周期服务。",
    lambda r: f"在{r.choice(PLACES)}的{r.choice(CROPS)}基地里，农户们正忙着采收、分拣、装箱，"
    f"一派繁忙景象。",
    lambda r: f"此次检查共排查隐患{_num(r, 20, 300)}处，现场整改{_num(r, 10, 200)}处，"
    f"下达整改通知书{_num(r, 5, 60)}份。",
    lambda r: f"{r.choice(PLACES)}还建立了“一户一档”服务台账，实行动态管理，"
    f"做到底数清、情况明。",
]

_HEADLINES = [
    ("{place}{crop}喜获丰收", "种养结合走出增收新路"),
    ("{product}项目加快建设", "年内有望投产达效"),
    ("{place}开展{event}", "{count}余名{people}参与"),
    ("优化营商环境", "激发市场主体活力"),
    ("办好民生实事", "提升群众幸福感"),
    ("{org}举办{event}", "传递温暖 凝聚力量"),
    ("冬季安全生产大检查启动", "排查隐患 守牢底线"),
    ("推动高质量发展", "奋力谱写新篇章"),
    ("{place}建成智慧停车场", "新增车位{count}个"),
    ("我区{crop}品牌越叫越响", "线上线下齐发力"),
    ("{org}迎来新学期", "{count}名新生报到"),
    ("雨雪天气来袭", "{unit}提醒注意出行安全"),
    ("{place}老旧小区改造提速", "惠及居民{count}户"),
    ("{product}企业订单饱满", "一季度产值同比增长"),
    ("{place}打造“十五分钟生活圈”", "家门口服务更贴心"),
    ("全民阅读点亮书香城市", "{org}推出系列活动"),
    ("{place}新建公园对外开放", "市民休闲有了好去处"),
    ("{unit}开展专项整治", "守护群众“舌尖上的安全”"),
    ("就业服务进社区", "{count}个岗位等你来"),
    ("{place}{crop}采摘季开启", "乡村旅游持续升温"),
]
_KICKERS = ["区领导督查重点项目时强调", "记者走访{place}发现", "与会代表普遍认为",
            "{unit}召开专题会议指出", "聚焦民生实事"]
_SUBTITLES = ["排查隐患{count}处 现场整改{count2}处", "{place}累计投入资金{count}万元",
              "全年目标任务提前完成", "惠及群众{count}余户"]


def fill(template: str, rng: random.Random) -> str:
    return template.format(
        place=rng.choice(PLACES), crop=rng.choice(CROPS), product=rng.choice(PRODUCTS),
        event=rng.choice(EVENTS), people=rng.choice(PEOPLE), org=rng.choice(ORGS),
        unit=rng.choice(UNITS), count=rng.randint(30, 900), count2=rng.randint(10, 300),
        name=person(rng), year=rng.randint(2024, 2027),
    )


def sentence(rng: random.Random) -> str:
    return rng.choice(_TEMPLATES)(rng)


def paragraph(rng: random.Random, n: int | None = None) -> str:
    n = n if n is not None else rng.randint(2, 5)
    return "".join(sentence(rng) for _ in range(n))


@dataclass
class ArticleText:
    """The printed pieces of one article; `body` grows on demand (see `extend`)."""

    title: list[str]  # headline phrases (one per headline line at most)
    kicker: str
    subtitle: str
    byline: str
    caption: str
    body: str
    rng: random.Random = field(repr=False)
    lead: str = "本报讯 "

    def extend(self, min_chars: int) -> None:
        """Append paragraphs until the body holds at least `min_chars` characters."""
        while len(self.body) < min_chars:
            self.body += "\n" + paragraph(self.rng)

    def short_title(self) -> str:
        return self.title[-1]


def article_text(rng: random.Random, *, dateline: bool = True) -> ArticleText:
    h = rng.choice(_HEADLINES)
    title = [fill(h[0], rng), fill(h[1], rng)]
    kicker = fill(rng.choice(_KICKERS), rng) + "——"
    subtitle = "——" + fill(rng.choice(_SUBTITLES), rng)
    role = rng.choice(["本报记者", "本报通讯员", "记者"])
    byline = f"{role} {person(rng, spaced=True)}"
    caption = (f"{rng.choice(PLACES)}的{rng.choice(PEOPLE)}正在参加{rng.choice(EVENTS)}。"
               f" {person(rng, spaced=True)} 摄")
    first = paragraph(rng, rng.randint(2, 3))
    lead = f"本报讯 {rng.randint(1, 12)}月{rng.randint(1, 28)}日，" if dateline else ""
    if dateline and first[0].isdigit():
        first = first.split("，", 1)[-1]
    body = lead + first + "\n" + paragraph(rng)
    return ArticleText(title, kicker, subtitle, byline, caption, body, rng, lead)


def commentary_text(rng: random.Random) -> ArticleText:
    art = article_text(rng, dateline=False)
    art.title = [rng.choice(["奋斗的脚步永不停歇", "以实干赢得未来", "把民生小事办成暖心大事",
                             "让城市更有温度"])]
    art.byline = "本报评论员"
    return art


def notice_text(rng: random.Random) -> tuple[str, str]:
    """(title, body) of a boxed notice; body paragraphs separated by newlines."""
    place = rng.choice(PLACES)
    m, d = rng.randint(1, 12), rng.randint(1, 28)
    kind = rng.choice(["停水", "停电"])
    unit = "云溪自来水有限公司" if kind == "停水" else "云溪供电公司"
    body = (
        "尊敬的用户：\n"
        f"因管网改造施工，定于{m}月{d}日8:00至18:00对{place}部分区域暂停供{kind[1]}，"
        f"届时受影响用户约{rng.randint(200, 3000)}户。"
        "请用户提前做好准备，给您带来不便，敬请谅解。\n"
        f"咨询电话：0571-{rng.randint(1000000, 9999999)}\n{unit}"
    )
    return f"{kind}通知", body


def ad_text(rng: random.Random) -> list[str]:
    shop = rng.choice(["云溪家居城", "东湖汽车城", "南山眼镜店", "青石农家乐", "花溪电器行"])
    offer = rng.choice(["年终特惠 全场八折起", "新店开业 好礼相送", "品质生活 从这里开始"])
    return [shop, offer, f"咨询电话：{rng.randint(80000000, 89999999)}"]


# --- Traditional Chinese, written directly (vertical pages). ---------------------------

TRAD_SENTENCES = [
    "本市各界昨日舉行集會，慶祝新堤工程順利完成。",
    "據當局發表消息，今年稻米收成較去年增加兩成，農民頗為欣慰。",
    "市政府決定撥款興建公立學校三所，以解決兒童失學問題。",
    "連日大雨，河水暴漲，沿岸居民紛紛遷往高地暫避。",
    "商會代表昨午拜訪市長，陳述各業困難，請求減輕稅捐。",
    "郵政局宣布自下月起增設夜班，以便利市民寄遞信件。",
    "本港物價近日略見回落，米糧供應亦告充足。",
    "教育界人士指出，推廣識字運動為當前要務，各校應積極參加。",
    "鐵路局表示，南北通車之後，旅客往來日見增多。",
    "衛生局呼籲市民注意飲食清潔，以防時疫流行。",
    "昨晚戲院上演新劇，觀眾甚為踴躍，座無虛席。",
    "漁民出海捕魚，所獲頗豐，魚市價格因而下降。",
    "該會定於本月十五日召開大會，討論章程修改事宜。",
    "工廠擴建完成後，可容工人千餘名，每月產布萬匹。",
    "各界熱心人士慷慨解囊，捐款賑濟災民，共得善款數萬元。",
    "氣象台預測，明日天氣轉晴，氣溫略有回升。",
    "公路修築工程已完成大半，預料年底可以全線通車。",
    "圖書館新購書籍數千冊，歡迎市民前往借閱。",
    "醫院增設病床百張，並聘請名醫多人，以應病者之需。",
    "茶葉出口數量較上月增加，商人咸認前景樂觀。",
    "學生會發起植樹運動，在郊外栽種樹苗三千餘株。",
    "碼頭工人代表與資方商談，雙方已達成初步協議。",
    "市區新建菜市場一座，攤位整齊，清潔衛生。",
    "本報記者昨往鄉間採訪，見農民耕作甚勤，田野一片新綠。",
    "電力公司宣佈擴充發電設備，以供工廠及住戶用電。",
    "消防隊昨夜撲滅火警一宗，幸無人受傷。",
    "各校運動會將於下週舉行，參加選手逾千人。",
    "渡輪公司增開航班，往來兩岸更為便捷。",
    "父老鄉親齊集祠堂，商議修葺橋樑之事。",
    "市民紛紛表示，希望當局早日整頓交通，改善市容。",
]
TRAD_HEADLINES = [
    "新堤工程順利完成", "稻米豐收農民欣慰", "興建學校解決失學", "河水暴漲居民遷避",
    "商會請求減輕稅捐", "郵局增設夜班服務", "物價回落米糧充足", "推廣識字運動",
    "南北通車旅客日增", "衛生局呼籲防疫", "各界捐款賑濟災民", "公路年底全線通車",
]
# Subheads (小標) inside long articles: short phrases in display type.
TRAD_SUBHEADS = ["各方意見", "善後辦法", "當局表示", "詳細經過", "最近情形", "籌備就緒",
                 "損失甚鉅", "救濟辦法", "今後計劃", "會議決定", "市民反應", "調查結果"]
# A 1930s headline is often set in several columns: a smaller lead column before the main
# line (引題) and smaller decks after it (副題); the three read as one title.
TRAD_LEADS = ["市府通令各區", "商界代表昨日集議", "據確實消息", "各團體聯名呈請", "當局昨已核准",
              "本埠各界熱烈響應", "省府派員視察"]
TRAD_DECKS = ["當局已籌撥專款辦理", "預計下月底可望竣工", "災民數千人待救濟", "各方均表贊同",
              "詳細辦法正在擬訂中", "昨日開會決定進行步驟", "市民紛紛前往參觀", "損失約計十萬餘元"]
TRAD_FOLIO = ["第三版", "本市新聞", "一九四八年五月十二日"]


def trad_paragraph(rng: random.Random, n: int | None = None) -> str:
    n = n if n is not None else rng.randint(2, 4)
    return "".join(rng.choice(TRAD_SENTENCES) for _ in range(n))


_DIGITS = "〇一二三四五六七八九"
_VERTICAL_MAP = {"“": "「", "”": "」", "‘": "『", "’": "』", "%": "％", ".": "點", " ": "　"}


def verticalize(text: str) -> str:
    """Text as printed in vertical columns: digits as Chinese numerals, corner quotes, no Latin."""
    out = []
    for ch in text:
        if ch.isdigit() and ch.isascii():
            out.append(_DIGITS[int(ch)])
        elif ch in _VERTICAL_MAP:
            out.append(_VERTICAL_MAP[ch])
        elif ch.isascii() and ch.isalpha():
            continue
        else:
            out.append(ch)
    return "".join(out).replace("　", "")

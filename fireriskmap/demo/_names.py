"""Name pools for the demo township (fictitious, Guizhou style).

Every list is a tuple in a fixed order: the generator picks from them with its seeded random
generator, so the output never depends on dict or set ordering.
"""

from __future__ import annotations

TOWNSHIP = "枫岭镇"
TOWNSHIP_EN = "Fengling"
COUNTY = "清江县"
# 12-digit administrative codes: 6 county digits (fictitious 522699) + 3 township + 3 village
COUNTY_CODE = "522699"
TOWNSHIP_CODE = "101"

COMMUNITIES = ("老街社区", "新城社区")

# Administrative villages (行政村, "...村") and natural villages (自然村/寨). Fictitious names in
# the style of south-east Guizhou (Miao and Dong syllables); famous real villages are avoided.
ADMIN_VILLAGES = (
    "上寨村", "高坡村", "龙塘村", "岩脚村", "干河村", "新寨村", "摆洞村", "甲乌村", "党扭村",
    "归柳村", "也改村", "羊告村", "南哨村", "九摆村", "加两村", "高岭村", "平寨村", "大坳村",
    "排洞村", "乌松村",
)
NATURAL_VILLAGES = (
    "岩坡寨", "白岩寨", "杉木寨", "大坪寨", "小坪寨", "排若寨", "长坡寨", "岜拉寨", "乌架寨",
    "冷水寨", "松林寨", "枫木寨", "下寨", "岩门寨", "水井寨", "老屋寨",
)

SURNAMES = (
    "杨", "吴", "龙", "王", "张", "李", "刘", "陈", "潘", "石", "欧", "姜", "罗", "杨", "吴",
    "龙", "邰", "顾", "梁", "韦", "蒙", "粟", "向", "滚", "田", "唐", "黄", "周", "赵", "胡",
)

CHINESE_DIGITS = "〇一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 23 → 二十三 (1..99)."""
    if n < 10:
        return CHINESE_DIGITS[n]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else CHINESE_DIGITS[tens]
    return head + "十" + (CHINESE_DIGITS[ones] if ones else "")


# Town streets (fixed layout; see _layout.py)
MAIN_STREET = "民族路"
PROVINCIAL_ROAD = "S217省道"
TOWN_STREETS = {
    "riverside": "滨河路",
    "old_back": "老街",
    "old_north": "北门街",
    "ring_north": "北环路",
    "culture": "文化路",
    "jianshe": "建设路",
    "ns1": "学府路",
    "ns2": "兴园路",
    "ns3": "东环路",
    "ew1": "新街",
    "ew2": "团结路",
    "park_main": "园区大道",
    "park_w": "园区西路",
    "park_e": "园区东路",
    "park_1": "园区一路",
    "park_2": "园区二路",
    "link_w": "西门坡",
    "link_e": "东门坡",
}

ESTATES = ("滨江花园", "锦绣家园", "枫岭华府", "阳光新城", "溪畔雅居")

ENTERPRISES = (
    "枫岭木业有限公司", "清江竹制品厂", "黔香食品有限公司", "枫岭家具厂", "鑫源包装材料厂",
    "苗岭茶业有限公司", "枫岭物流园", "黔东电子有限公司", "恒丰建材有限公司", "绿源农副产品加工厂",
    "枫岭纺织制衣厂", "宏达汽修厂", "锦程塑料制品厂", "顺达仓储有限公司",
)

SHOP_KINDS = (
    # (suffix, kind code for key_places, people_night range)
    ("小吃店", "nine_small", (1, 4)),
    ("便利店", "nine_small", (1, 3)),
    ("旅馆", "nine_small", (8, 25)),
    ("网吧", "nine_small", (4, 15)),
    ("美发店", "nine_small", (1, 3)),
    ("五金店", "nine_small", (1, 4)),
    ("农资店", "nine_small", (1, 3)),
    ("小酒馆", "nine_small", (1, 4)),
    ("诊所", "nine_small", (0, 2)),
    ("服装店", "nine_small", (1, 3)),
    ("粉馆", "nine_small", (1, 4)),
    ("批发部", "nine_small", (1, 4)),
)
SHOP_PREFIXES = (
    "阿香", "老杨", "兴旺", "顺心", "好再来", "金鑫", "龙记", "吴记", "苗家", "侗乡", "福满", "四季",
    "鑫鑫", "家乐", "平安", "红红", "小潘", "阿妹", "老街", "枫林", "友谊", "惠民", "便民", "开心",
)

INCIDENT_TEXT = {
    "careless_fire": (
        "冬季烤火不慎引燃木质板壁，火势蔓延至阁楼",
        "火塘余火未熄灭，引燃堆放的柴草",
        "厨房灶台用火不慎，引燃杂物",
    ),
    "electrical": (
        "电气线路老化短路，引燃周边可燃物",
        "私拉乱接电线过载发热起火",
        "电烤火炉长时间通电，引燃被褥",
    ),
    "ebike": (
        "电动自行车在一楼门面内充电时起火，烟气沿敞开楼梯蔓延至楼上",
        "电动车电池在楼道内充电起火",
    ),
    "smoking": ("遗留烟头引燃可燃物", "吸烟后随手丢弃烟头引燃杂物"),
    "children": ("儿童玩火引燃柴草堆", "小孩玩打火机引燃杂物"),
    "sacrificial": ("春节燃放烟花爆竹引燃屋顶杉树皮", "祭祀烧纸引燃周边杂草"),
    "field_burning": ("村民烧荒失控，引燃山林边缘柴草", "焚烧秸秆引燃屋后柴堆"),
    "arson": ("人为纵火，已移交公安机关处理",),
    "other": ("起火原因为其他", "生产作业时引燃可燃物"),
    "unknown": ("起火原因正在调查", "原因不明"),
}

HAZARD_TEXT = {
    "wiring": ("私拉乱接电线，线路未穿管保护", "电气线路老化，木板壁上明敷电线"),
    "blocked_exit": ("楼梯间堆放杂物，堵塞疏散通道", "一楼门面货物占用疏散通道"),
    "blocked_fire_lane": ("车辆长期占用消防车通道", "摊位占道经营，堵塞消防车通道"),
    "ebike": ("电动车停放在楼梯间并充电", "电动车入户充电，飞线充电"),
    "sleeping_inside": ("仓库内违规设置员工宿舍住人", "生产车间内搭建床铺住人"),
    "three_in_one": ("生产、储存、住宿“三合一”", "一楼作坊、二楼仓储、三楼住人"),
    "sandwich_panel": ("使用聚氨酯泡沫夹芯彩钢板搭建库房", "彩钢板房芯材为可燃泡沫"),
    "facilities_broken": ("室外消火栓损坏不能出水", "灭火器过期失效，未定期检查"),
    "fire_use": ("违规使用大功率电器取暖", "室内使用明火取暖，无人看管"),
    "firewood": ("房前屋后柴草乱堆乱放，紧贴木板壁", "屋檐下堆放大量柴草"),
    "anti_theft_bars": ("窗户全部安装防盗窗，未留逃生口", "防盗窗封闭，无应急逃生出口"),
    "other": ("消防安全制度不落实", "未配置灭火器和应急照明"),
}

HAZARD_MEASURE = {
    "wiring": "整改线路：重新敷设并穿管保护，安装漏电保护器；由村电工每季度检查一次",
    "blocked_exit": "立即清理楼梯间和疏散通道杂物，保持畅通；落实每日巡查",
    "blocked_fire_lane": "清理占道车辆和摊位，施划消防车通道标线、设置警示牌",
    "ebike": "禁止电动车入户和楼梯间充电，引导到集中充电点；张贴警示标识",
    "sleeping_inside": "清除违规住人，员工宿舍与生产储存场所分开设置",
    "three_in_one": "住宿与生产、储存、经营场所彻底分离；确需住人的，设置耐火极限不低于2.00h的墙体分隔和独立疏散通道",
    "sandwich_panel": "拆除或更换为A级不燃芯材夹芯板；拆除前严禁住人和存放可燃物",
    "facilities_broken": "维修或更换消火栓、灭火器；建立设施维护台账",
    "fire_use": "停止违规用火用电，使用合格取暖器具，做到人走断电",
    "firewood": "柴草统一堆放在距房屋10米以外的安全地点",
    "anti_theft_bars": "防盗窗开设可从内部开启的逃生口，每户至少一处",
    "other": "落实消防安全责任人，配齐灭火器、应急照明和疏散指示标志",
}

CHIMNEY_MEASURE = (
    "一房一策：一层经营场所与住宿部分之间设置耐火极限不低于2.00h的防火隔墙，"
    "楼梯间封闭或增设第二安全出口；防盗窗开设逃生口；安装独立式感烟火灾探测报警器；"
    "禁止电动车在室内、楼梯间停放充电；更换老化电气线路"
)

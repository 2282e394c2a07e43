"""Names are read a character at a time, without pypinyin's segmentation, only where that gives what pypinyin gives."""
import pytest
from customer.domain.pinyin import SURNAME_READINGS, _by_character, _by_pypinyin, syllables
from hypothesis import given, settings
from hypothesis import strategies as st

#: The common surnames and given-name characters of bench/generate.py (not importable from these tests), more of both,
#: and characters read otherwise in some phrases (长, 乐, 行, 重, 朝, 和, 单, 曾 ...).
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
            "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
NAME_CHARACTERS = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红文斌玉梅晨浩宇欣怡子涵俊思远佳琪雨婷"
    "刚毅峰保东辉力永健世广义兴良海山仁波宁贵福生龙元全胜学祥才发武新利清飞彬富顺信昌成康星光天达安岩中茂进林有坚彪博诚"
    "先敬震振壮会思群豪心邦承绍功松善厚庆民友裕河哲江亮政谦亨奇固之轮翰朗伯宏言若鸣朋梁栋维启克伦翔旭鹏泽辰士以家致树炎"
    "德时泰盛雄琛钧冠策腾楠榕风航弘慧巧美淑惠珠翠雅芝萍娥玲彩春菊凤洁琳素云莲真环雪荣爱妹香月莺媛瑞凡嘉琼勤珍贞莉娣叶璧"
    "璐娅晶妍茜秋珊莎锦黛青倩姣婉娴瑾颖露瑶婵雁蓓仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希"
    "飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝阳妮宝贝初程梵恒鸿桦骅剑娇纪宽灵玛媚晴容睿烁堂唯威韦雯苇萱阅彦"
    "忠宗曼紫逸贤蝶菡绿蓝儿烟长乐行重朝和单曾解查区仇朴盖种员召女吕律略虐嗯哼呣欸藏给还传都降了着差参大")
COMMON_CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)


def test_usual_names_take_the_character_path_and_phrases_do_not():
    assert _by_character("张伟明") == ["zhang", "wei", "ming"]
    assert _by_character("吕女士") is None  # 女士 is a phrase
    assert _by_character("重庆") is None and _by_character("张san") is None and _by_character("") is None


@settings(max_examples=2000, deadline=None)
@given(st.text(COMMON_CJK, min_size=1, max_size=6))
def test_any_common_characters_read_as_pypinyin_reads_them(name):
    assert syllables(name) == _by_pypinyin(name)


@settings(max_examples=1500, deadline=None)
@given(st.sampled_from(SURNAMES + "欧阳司马诸葛上官"),
       st.text(st.sampled_from(NAME_CHARACTERS), min_size=1, max_size=3))
def test_names_read_as_pypinyin_reads_them(surname, given_name):
    assert syllables(surname + given_name) == _by_pypinyin(surname + given_name)


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(sorted(SURNAME_READINGS)),
       st.text(st.one_of(st.sampled_from(NAME_CHARACTERS), COMMON_CJK), min_size=1, max_size=2))
def test_surnames_read_otherwise_read_as_pypinyin_reads_them(surname, given_name):
    assert syllables(surname + given_name) == _by_pypinyin(surname + given_name)
    assert syllables(surname + given_name)[0] == SURNAME_READINGS[surname]


def test_every_surname_read_otherwise_before_every_name_character():
    for surname in SURNAME_READINGS:
        for character in NAME_CHARACTERS:
            assert syllables(surname + character) == _by_pypinyin(surname + character), surname + character


@pytest.mark.parametrize("name", [
    "重庆", "银行", "长沙", "朝阳", "单于", "曾经", "女", "吕", "绿", "律", "略", "嗯", "哼", "呣", "欸", "诶", "张san",
    "Li Lei", "王-小明", "王 小明", " 李四 ", "李·四", "O'Neil", "张三3", "123", "", "  ", "〇", "㐀", "𠮾", "兙",
    "曾小贤", "单田芳", "解放", "查理", "区长", "盖茨", "朴树", "仇人", "长孙无忌", "乐乐", "行长", "重重", "朝朝",
    "和平", "银行行长", "长长久久", "女生", "吕布", "绿地", "张长弓", "李银行", "王重阳", "欧阳修", "单单", "曾曾",
    "覃覃"])
def test_tricky_names_read_as_pypinyin_reads_them(name):
    assert syllables(name) == _by_pypinyin(name)

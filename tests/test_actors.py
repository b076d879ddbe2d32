"""Gazetteer matching, extraction rules, development status, crosstab and evaluation (issue 6)."""
from __future__ import annotations

import json

import pytest

from nlp.actors import (FLAT_FIELDS, Gazetteer, GazetteerError, crosstab, evaluate_extraction, extract,
                        extract_fields)
from nlp.actors.gazetteer import fold, wb_fiscal_year


@pytest.fixture(scope="module")
def gaz():
    return Gazetteer.load()


@pytest.fixture(scope="module")
def gaz_ref(shared_dir):
    return Gazetteer.load(shared_dir / "reference")


def ids(gaz, text):
    return [m.place.id for m in gaz.find(text)]


# ---------------------------------------------------------------- gazetteer matching
def test_zh_longest_match_city_province_and_foreign(gaz):
    assert ids(gaz, "四川省成都市向波兰罗兹市捐赠口罩") == ["cn:四川/p", "cn:成都", "country:POL", "city:Łódź"]


def test_en_variants_and_word_boundaries(gaz):
    assert ids(gaz, "Lodz, Łódź and LODZ") == ["city:Łódź"] * 3
    assert ids(gaz, "Xi'an and Xian; Guangzhou City") == ["cn:西安", "cn:西安", "cn:广州"]
    # "Oman" inside "Romania" and "Niger" inside "Nigeria" must not match
    assert ids(gaz, "Romania and Nigeria") == ["country:ROU", "country:NGA"]
    assert ids(gaz, "Papua New Guinea, Guinea") == ["country:PNG", "country:GIN"]


def test_ambiguities_china_taiwan_africa_and_blockers(gaz):
    assert ids(gaz, "中国台湾") == ["cn:台湾/p"]
    assert ids(gaz, "中国") == ["national:CHN"]
    assert ids(gaz, "东南非洲和南非") == ["region:Southern Africa", "country:ZAF"]
    assert ids(gaz, "印度洋") == ["region:Indian Ocean"]
    assert ids(gaz, "延边朝鲜族自治州") == ["cn:延边"]
    assert ids(gaz, "中美洲国家") == ["region:Latin America"]
    assert ids(gaz, "内蒙古") == ["cn:内蒙古/p"]


def test_ambiguous_short_chinese_names_need_a_suffix(gaz):
    # 大同 (great harmony), 长治久安, 中山大学: the short forms are not matched, 大同市 is
    assert ids(gaz, "世界大同，长治久安，中山大学") == []
    assert ids(gaz, "大同市和中山市") == ["cn:大同", "cn:中山"]
    assert ids(gaz, "吉林省吉林市") == ["cn:吉林/p", "cn:吉林"]


def test_person_names_and_us_state(gaz):
    assert ids(gaz, "Michael Jordan visited Jordan.") == ["country:JOR"]
    assert ids(gaz, "Atlanta, Georgia") == ["city:Atlanta", "country:USA"]
    assert ids(gaz, "Tbilisi, the capital of Georgia") == ["country:GEO"]
    # acronyms are case-sensitive: "us" and "who" are ordinary words
    assert ids(gaz, "who helped us? The WHO and the US") == ["body:WHO", "country:USA"]


def test_fold_keys():
    assert fold("Łódź") == "lodz"
    assert fold("Knoxville, Tennessee") == "knoxville"
    assert fold("City of Los Angeles") == "los angeles"


def test_registry_csv_plugs_in_and_errors_name_the_line(tmp_path):
    reg = tmp_path / "cpaffc.csv"
    reg.write_text("chinese_city,chinese_province,partner_city,partner_country_iso3,since\n"
                   "成都市,四川省,Ljubljana,SVN,1981\n", encoding="utf-8")
    g = Gazetteer.load(registry=reg)
    r = extract("Chengdu and Ljubljana held a video meeting.", g)
    assert r["sister_city"] is True
    assert r["sister_city_pairs"][0]["pair"] == "Chengdu–Ljubljana"
    assert r["sister_city_pairs"][0]["since"] == "1981"
    bad = tmp_path / "bad.csv"
    bad.write_text("chinese_city,chinese_province,partner_city,partner_country_iso3\n成都,四川,Bonn,DE\n", encoding="utf-8")
    with pytest.raises(GazetteerError, match=r"bad.csv:2: field 'partner_country_iso3'"):
        Gazetteer.load(registry=bad)
    missing = tmp_path / "missing.csv"
    missing.write_text("city,partner\n成都,Bonn\n", encoding="utf-8")
    with pytest.raises(GazetteerError, match="missing column"):
        Gazetteer.load(registry=missing)


def test_chinese_admin_table_is_complete(gaz):
    cn = [p for p in gaz.places.values() if p.kind == "cn"]
    provincial = [p for p in cn if p.level in ("province", "municipality", "autonomous_region", "sar")]
    assert len(provincial) == 34
    assert sum(p.level == "city" for p in cn) == 293


# ---------------------------------------------------------------- extraction
def test_chengdu_lodz_sister_city(gaz):
    r = extract("成都市向友好城市波兰罗兹市捐赠口罩。", gaz)
    assert r["actor"]["name"] == "Chengdu" and r["actor"]["province"] == "Sichuan"
    assert r["partners"] == ["POL"]
    assert r["format"] == "bilateral"
    assert r["sister_city"] is True
    assert r["sister_city_evidence"] == ["registry", "text"]
    assert [p["pair"] for p in r["sister_city_pairs"]] == ["Chengdu–Łódź"]


def test_flat_fields_carry_sister_city_evidence(gaz):
    # the gazetteer README promises `sister_city_evidence` in `silkframe extract` / `tag --extract` output
    r = extract_fields("成都市向友好城市波兰罗兹市捐赠口罩。", gaz)
    assert list(r) == list(FLAT_FIELDS)
    assert r["sister_city_evidence"] == ["registry", "text"]
    assert extract_fields("The Chengdu government sent masks to Los Angeles.", gaz)["sister_city_evidence"] == []


def test_guangzhou_auckland_and_los_angeles(gaz):
    r = extract_fields("Guangzhou held a video conference with Auckland on smart-city cooperation.", gaz)
    assert (r["actor"], r["partners"], r["partner_places"], r["format"], r["sister_city"]) == \
        ("Guangzhou", ["NZL"], ["Auckland"], "bilateral", True)
    r = extract_fields("广州市向洛杉矶市捐赠口罩。", gaz)
    assert r["sister_city_pairs"] == ["Guangzhou–Los Angeles"] and r["partners"] == ["USA"]
    # a pair that is not registered
    r = extract_fields("The Chengdu government sent masks to Los Angeles.", gaz)
    assert r["sister_city"] is False


def test_who_case_is_multilateral(gaz):
    r = extract("四川省通过世界卫生组织向意大利提供抗疫物资。", gaz)
    assert r["actor"]["name"] == "Sichuan"
    assert r["partners"] == ["ITA"]
    assert [b["id"] for b in r["multilateral_bodies"]] == ["WHO"]
    assert r["format"] == "multilateral"


def test_format_rules(gaz):
    assert extract_fields("四川省向柬埔寨、老挝捐赠物资。", gaz)["format"] == "multilateral"
    assert extract_fields("成都市举办论坛。", gaz)["format"] is None            # generic word, no partner
    assert extract_fields("成都市与德国举办论坛。", gaz)["format"] == "multilateral"
    r = extract_fields("中方愿同法方加强合作。", gaz)
    assert (r["actor"], r["actor_level"], r["partners"], r["sister_city"]) == ("China", "national", ["FRA"], None)


def test_development_null_without_reference(gaz):
    r = extract("Chengdu donated masks to Bonn, Germany.", gaz)
    assert r["development"] == {"DEU": None}
    assert "--reference" in r["development_note"]


@pytest.mark.shared
def test_development_with_reference(gaz_ref):
    r = extract("Sichuan donated supplies to Germany, Belarus and Singapore.", gaz_ref)
    assert r["development"] == {"DEU": "developed", "BLR": "developed", "SGP": "developing"}
    assert r["development_note"] is None
    w = extract("Sichuan donated supplies to Germany, Belarus and Singapore.", gaz_ref, development="wb-income")
    assert w["development"] == {"DEU": "developed", "BLR": "developing", "SGP": "developed"}
    assert gaz_ref.development_status("TWN", "m49-2020") is None
    with pytest.raises(ValueError, match="unknown development scheme"):
        gaz_ref.development_status("DEU", "oecd")


@pytest.mark.shared
def test_reference_adds_wikipedia_pairs_and_zh_names(gaz_ref):
    r = extract_fields("成都市与斯洛文尼亚卢布尔雅那市举行视频会议。", gaz_ref)
    assert r["sister_city"] is True and r["partners"] == ["SVN"]
    assert [m.place.id for m in gaz_ref.find("玻利维亚多民族国")] == ["country:BOL"]


def test_language_names_are_not_partners(gaz):
    # 语 / 文 after a country name is the language
    assert extract_fields("成都为志愿者开设意大利语和葡萄牙语课程。", gaz)["partners"] == []
    r = extract_fields("武汉市将防疫指南译成越南文、西班牙文版本。", gaz)
    assert (r["partners"], r["format"]) == ([], None)
    assert extract_fields("两校课程配有中英文字幕。", gaz)["partners"] == []
    # 文化 is culture: the country stays
    assert extract_fields("成都举办西班牙文化周。", gaz)["partners"] == ["ESP"]
    # English: a list of languages is not a list of countries
    for t in ("The hotline offers help in English, Japanese and Korean.",
              "Volunteers speaking English, Korean and Japanese helped visitors.",
              "The notice was translated into French and Russian.",
              "Courses in Spanish and Portuguese start next spring.",
              "A Portuguese-language film week opened in Zhuhai."):
        assert extract_fields(t, gaz)["partners"] == [], t


def test_currencies_are_not_partners(gaz):
    assert extract_fields("Hefei signed deals worth US$3 billion with firms from Germany.", gaz)["partners"] == ["DEU"]
    assert extract_fields("Sichuan gave 200,000 US dollars to Nepal.", gaz)["partners"] == ["NPL"]
    assert extract_fields("The fund holds 5 million Singapore dollars.", gaz)["partners"] == []
    assert extract_fields("项目总投资5亿新加坡元。", gaz)["partners"] == []
    assert extract_fields("美国元首访华。", gaz)["partners"] == ["USA"]     # 元首 is no currency


def test_demonyms_in_attributive_use(gaz):
    r = extract_fields("Wuxi signed agreements with Czech and Slovak machinery firms.", gaz)
    assert (r["partners"], r["format"]) == (["CZE", "SVK"], "multilateral")
    assert extract_fields("Jinan welcomed Korean-invested companies.", gaz)["partners"] == ["KOR"]
    assert extract_fields("Sichuan aided the Czech region of South Moravia.", gaz)["partners"] == ["CZE"]
    # regions and peoples are not countries
    assert extract_fields("Dongguan trained Latin American traders.", gaz)["partners"] == []
    assert extract_fields("Yanbian is home to the Korean ethnic group.", gaz)["partners"] == []
    assert extract_fields("Inner Mongolia promotes Mongolian medicine.", gaz)["partners"] == []
    # a demonym does not hide a name (China is never a partner)
    assert extract_fields("Chinese and French engineers met in Guangzhou.", gaz)["partners"] == ["FRA"]


def test_transit_city_is_route_not_partner(gaz):
    r = extract_fields("Hangzhou sent masks to Bonn; the plane flew via Milan.", gaz)
    assert (r["partners"], r["partner_places"]) == (["DEU"], ["Bonn"])
    r = extract_fields("南京市捐赠的物资经米兰运抵罗兹。", gaz)
    assert (r["partners"], r["partner_places"]) == (["POL"], ["Łódź"])


def test_venue_body_does_not_make_bilateral_multilateral(gaz):
    r = extract_fields("Xiamen and Manila signed an agreement during the China-ASEAN Expo.", gaz)
    assert (r["partners"], r["multilateral_bodies"], r["format"]) == (["PHL"], [], "bilateral")
    r = extract_fields("南宁市在中国—东盟博览会期间与曼谷签署协议。", gaz)
    assert (r["partners"], r["multilateral_bodies"], r["format"]) == (["THA"], [], "bilateral")
    # with no partner named, the body is the only counterpart and stays
    r = extract_fields("Nanning took part in the China-ASEAN Expo.", gaz)
    assert r["multilateral_bodies"] == ["ASEAN"] and r["format"] == "multilateral"
    # a participating body still counts
    assert extract_fields("Sichuan sent masks to Italy through the WHO.", gaz)["format"] == "multilateral"


def test_registry_partner_named_in_chinese_becomes_findable(tmp_path):
    reg = tmp_path / "zh.csv"
    reg.write_text("chinese_city,chinese_province,partner_city,partner_country_iso3,since\n厦门,福建,宿务市,PHL,\n",
                   encoding="utf-8")
    r = extract_fields("厦门向宿务捐赠口罩。", Gazetteer.load(registry=reg))
    assert (r["partners"], r["sister_city"], r["sister_city_pairs"]) == (["PHL"], True, ["Xiamen–宿务市"])


@pytest.mark.shared
def test_reference_city_index_maps_cities_to_countries(gaz_ref):
    r = extract_fields("Hangzhou met officials from Boston, Leeds and Nagoya by video.", gaz_ref)
    assert (r["partners"], r["format"]) == (["USA", "GBR", "JPN"], "multilateral")
    # "George Town, Penang" in the list: the qualifier is a Malaysian region
    r = extract_fields("Xiamen and Penang signed a trade pact.", gaz_ref)
    assert (r["partners"], r["partner_places"], r["format"]) == (["MYS"], ["Penang"], "bilateral")
    r = extract_fields("Xiamen shipped masks to Cebu City.", gaz_ref)
    assert (r["partners"], r["sister_city"]) == (["PHL"], True)      # Xiamen–Cebu City is listed
    # person names, compounds and headlines
    assert extract_fields("Mr. Bolton spoke. Later Pompeo and Bolton met.", gaz_ref)["partners"] == []
    assert extract_fields("Speaker Nancy Pelosi said so.", gaz_ref)["partners"] == []
    assert [m.surface for m in gaz_ref.find("the state of Baden-Württemberg")] == []
    assert [m.surface for m in gaz_ref.find("Kunming and Chiang Mai Doctors Exchange Views")] == ["Kunming", "Chiang Mai"]
    # Ås would match "As"; three-letter names are not indexed
    assert gaz_ref.find("As a result, trade grew.") == []


def test_wb_fiscal_year():
    assert [wb_fiscal_year(d) for d in ("2020-05-01", "2021", None, "2018-01-01", "2030")] == \
        ["FY21", "FY22", "FY21", "FY20", "FY23"]


# ---------------------------------------------------------------- crosstab & evaluation
def test_crosstab_counts_percentages_and_explosion():
    recs = [{"actor": "Chengdu", "partners": ["POL"], "cat": "health"},
            {"actor": "Chengdu", "partners": ["POL", "DEU"], "cat": "health"},
            {"actor": "Guangzhou", "partners": [], "cat": "digital"},
            {"actor": None, "partners": ["USA"], "cat": "digital"}]
    t = crosstab(recs, "actor", "cat")
    assert t.row_values == ("Chengdu", "Guangzhou", "(missing)")
    assert (t.count("Chengdu", "health"), t.row_totals["Chengdu"], t.n) == (2, 2, 4)
    assert t.percent("Chengdu", "health") == 100.0
    p = crosstab(recs, "partners", normalize="all")
    assert (p.count("POL"), p.count("DEU"), p.count("(none)"), p.n) == (2, 1, 1, 4)
    assert p.percent("POL") == 50.0 and p.exploded
    f = crosstab(recs, "cat", filters={"partners": "POL"})
    assert (f.count("health"), f.n) == (2, 2)
    md = t.to_markdown()
    assert "| Chengdu | 0 (0.0%) | 2 (100.0%) | 2 |" in md and "N = 4 records" in md
    assert t.to_csv().splitlines()[0] == "actor,cat,count,denominator,percent"
    with pytest.raises(KeyError, match="no field 'nope'"):
        crosstab(recs, "nope")


def test_crosstab_total_row_follows_normalize():
    recs = [{"f": "bi", "s": True}, {"f": "bi", "s": False}, {"f": "multi", "s": False}, {"f": "multi", "s": False}]
    total = {n: crosstab(recs, "f", "s", normalize=n).to_markdown().splitlines()[4] for n in ("columns", "index", "all")}
    assert total["columns"] == "| total | 3 (100.0%) | 1 (100.0%) | 4 |"  # each column is 100% of itself
    assert total["index"] == total["all"] == "| total | 3 (75.0%) | 1 (25.0%) | 4 |"  # shares of N


def test_read_table_tag_csv_labels_match_jsonl(tmp_path):
    from nlp.actors.crosstab import read_table

    (tmp_path / "t.csv").write_text("id,labels,source\na,covid;generosity,x\nb,,x\nc,covid,y\n", encoding="utf-8")
    recs = [{"id": "a", "labels": ["covid", "generosity"], "source": "x"}, {"id": "b", "labels": [], "source": "x"},
            {"id": "c", "labels": ["covid"], "source": "y"}]
    (tmp_path / "t.jsonl").write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    assert list(read_table(tmp_path / "t.csv")) == recs
    md = [crosstab(read_table(tmp_path / f"t.{e}"), "labels", "source").to_markdown() for e in ("csv", "jsonl")]
    assert md[0] == md[1] and "| (none) |" in md[0] and "(missing)" not in md[0]


def test_evaluate_extraction_exact_numbers():
    gold = [{"id": "1", "actor": "Chengdu", "actors": ["Chengdu"], "partners": ["POL"], "format": "bilateral", "sister_city": True},
            {"id": "2", "actor": "China", "actors": [], "partners": ["USA", "JPN"], "format": "multilateral", "sister_city": None}]
    pred = [{"id": "1", "actor": "Chengdu", "actors": ["Chengdu"], "partners": ["POL", "DEU"], "format": "multilateral", "sister_city": True},
            {"id": "2", "actor": "China", "actors": [], "partners": ["USA"], "format": "bilateral", "sister_city": None}]
    r = evaluate_extraction(gold, pred)
    assert (r["partners"]["tp"], r["partners"]["fp"], r["partners"]["fn"]) == (2, 1, 1)
    assert r["partners"]["precision"] == pytest.approx(2 / 3) and r["partners"]["recall"] == pytest.approx(2 / 3)
    assert (r["actor_accuracy"], r["format_accuracy"], r["sister_city_accuracy"]) == (1.0, 0.0, 1.0)


def test_gold_set_scores(gaz, repo_dir):
    from nlp.actors import evaluate_gold

    gold = [json.loads(ln) for ln in open(repo_dir / "corpora/extraction_gold/gold.jsonl", encoding="utf-8")]
    assert len(gold) == 62 and {g["lang"] for g in gold} == {"zh", "en"}
    res, preds = evaluate_gold(repo_dir / "corpora/extraction_gold/gold.jsonl", gaz)
    # demonyms ("German companies", "the Australian state of …") recovered the last two partners
    assert (res["partners"]["tp"], res["partners"]["fp"], res["partners"]["fn"]) == (59, 0, 0)
    assert res["actor_accuracy"] == pytest.approx(61 / 62)
    assert res["format_accuracy"] == pytest.approx(61 / 62)
    assert res["sister_city_accuracy"] == pytest.approx(58 / 62)

"""The demo county as plain data, generated from a fixed seed without touching the database.

``build_plan()`` always returns the same rows (one ``random.Random`` seeded with ``SEED``,
iterated in a fixed order; no sets or hashes decide any order), so a second run of
``seed_demo``, even in another process, finds every row it wants already there under its
natural key and creates nothing.

Rows are dicts of model field values; a foreign key holds the natural key of its target
(Region.code, Station.code, Officer.badge_number, an ID number, Grid.code, a team name).
"""

import datetime as dt
import math
import random
from dataclasses import dataclass, field
from typing import Any

from governance.validators import id_check_digit

from . import vocab

SEED = 511132
PASSWORD = "demo12345"  # noqa: S105  (the documented password of the demo accounts)
LON_RANGE = (102.9, 103.5)
LAT_RANGE = (28.9, 29.4)
CELL_W, CELL_H = 0.005, 0.004  # one grid cell ≈ 480 m × 440 m

Row = dict[str, Any]


@dataclass
class Person:
    name: str
    gender: str
    ethnicity: str
    id_number: str
    phone: str


@dataclass
class Plan:
    regions: list[Row] = field(default_factory=list)
    stations: list[Row] = field(default_factory=list)
    jurisdictions: list[Row] = field(default_factory=list)
    officers: list[Row] = field(default_factory=list)
    auxiliaries: list[Row] = field(default_factory=list)
    assignments: list[Row] = field(default_factory=list)
    grids: list[Row] = field(default_factory=list)
    workers: list[Row] = field(default_factory=list)
    mediators: list[Row] = field(default_factory=list)
    committees: list[Row] = field(default_factory=list)
    members: list[Row] = field(default_factory=list)
    teams: list[Row] = field(default_factory=list)
    team_members: list[Row] = field(default_factory=list)
    accounts: list[Row] = field(default_factory=list)


class _People:
    """Names, ID numbers and phones: plausible, valid and unique across the whole plan."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._ids: set[str] = set()
        self._phones: set[str] = set()
        self._badges: set[str] = set()

    def phone(self) -> str:
        while True:
            value = self.rng.choice(vocab.MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if value not in self._phones:
                self._phones.add(value)
                return value

    def landline(self) -> str:
        while True:
            value = f"0833-5{self.rng.randrange(10**6):06d}"
            if value not in self._phones:
                self._phones.add(value)
                return value

    def badge(self) -> str:
        while True:
            value = f"0{self.rng.randrange(51000, 60000)}"
            if value not in self._badges:
                self._badges.add(value)
                return value

    def id_number(self, *, gender: str, born: tuple[int, int]) -> str:
        start = dt.date(born[0], 1, 1)
        span = (dt.date(born[1], 12, 31) - start).days
        while True:
            birth = start + dt.timedelta(days=self.rng.randrange(span))
            # the 17th digit is odd for men, even for women
            seq = self.rng.randrange(500) * 2 + (1 if gender == "M" else 0)
            first17 = f"{vocab.AREA_CODE}{birth:%Y%m%d}{seq:03d}"
            value = first17 + id_check_digit(first17)
            if value not in self._ids:
                self._ids.add(value)
                return value

    def name(self, *, yi: bool, gender: str, clan: str = "") -> str:
        rng = self.rng
        if yi and (clan or rng.random() < 0.85):
            given_names = vocab.YI_GIVEN_MALE if gender == "M" else vocab.YI_GIVEN_FEMALE
            return (clan or rng.choice(vocab.YI_CLANS)) + rng.choice(given_names)
        # Han-style name (many Yi people in the county carry one too)
        chars = vocab.HAN_GIVEN_MALE if gender == "M" else vocab.HAN_GIVEN_FEMALE
        given = rng.choice(chars) + (rng.choice(chars) if rng.random() < 0.7 else "")
        surname = (
            (clan or rng.choice(vocab.YI_CLANS))
            if yi and rng.random() < 0.3
            else rng.choice(vocab.HAN_SURNAMES)
        )
        return surname + given

    def person(
        self, *, yi_share: float, born: tuple[int, int], female_share: float = 0.4, clan: str = ""
    ) -> Person:
        gender = "F" if self.rng.random() < female_share else "M"
        yi = bool(clan) or self.rng.random() < yi_share
        name = self.name(yi=yi, gender=gender, clan=clan)
        ethnicity = "yi" if yi else ("han" if self.rng.random() < 0.95 else "hui")
        return Person(
            name=name,
            gender=gender,
            ethnicity=ethnicity,
            id_number=self.id_number(gender=gender, born=born),
            phone=self.phone(),
        )


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    """``total`` cut into ``parts`` positive, uneven integers that add up exactly."""
    weights = [rng.uniform(0.7, 1.3) for _ in range(parts)]
    scale = total / sum(weights)
    values = [max(1, int(w * scale)) for w in weights]
    values[-1] += total - sum(values)
    return values


def _date(rng: random.Random, start: dt.date, days: int) -> dt.date:
    return start + dt.timedelta(days=rng.randrange(days))


def _cells(cx: float, cy: float, n: int) -> list[dict]:
    """``n`` adjacent rectangular cells (GeoJSON Polygons) in a block centred on (cx, cy)."""
    cols = math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    x0, y0 = cx - cols * CELL_W / 2, cy + rows * CELL_H / 2
    polygons = []
    for j in range(n):
        col, row = j % cols, j // cols
        west, east = x0 + col * CELL_W, x0 + (col + 1) * CELL_W
        north, south = y0 - row * CELL_H, y0 - (row + 1) * CELL_H
        ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
        polygons.append({"type": "Polygon", "coordinates": [[[round(x, 6), round(y, 6)] for x, y in ring]]})
    return polygons


def build_plan(seed: int = SEED) -> Plan:
    rng = random.Random(seed)
    people = _People(rng)
    plan = Plan()
    county: Row = {
        "code": vocab.COUNTY_CODE,
        "name": vocab.COUNTY_NAME,
        "kind": "county",
        "parent": None,
        "households": 0,
        "population": 0,
    }
    plan.regions.append(county)

    # --- territory: townships, communities and villages, grids -----------------------------
    township_rows: dict[str, Row] = {}
    villages_of: dict[str, list[Row]] = {}  # township name → its village-level rows
    yi_share: dict[str, float] = {}  # region code → share of Yi residents
    for t_code, t_name, _t_type, (tx, ty), share, village_names, community_names in vocab.TOWNSHIPS:
        township: Row = {
            "code": t_code,
            "name": t_name,
            "kind": "township",
            "parent": county["code"],
            "households": 0,
            "population": 0,
        }
        plan.regions.append(township)
        township_rows[t_name] = township
        villages_of[t_name] = []
        yi_share[t_code] = share
        prefix = t_code[:9]
        places = [(f"{prefix}{i + 1:03d}", name, "community") for i, name in enumerate(community_names)]
        places += [(f"{prefix}{201 + i:03d}", name, "village") for i, name in enumerate(village_names)]
        n_villages = len(village_names)
        for code, name, kind in places:
            if kind == "community":
                households = rng.randint(900, 2600)
                population = round(households * rng.uniform(2.6, 3.3))
                angle = 2 * math.pi * int(code[-3:]) / max(len(community_names), 1) + rng.uniform(-0.2, 0.2)
                radius = 0.012 if len(community_names) > 1 else 0.0
                local_share = max(0.1, share - 0.3)
            else:
                households = rng.randint(180, 620)
                population = round(households * rng.uniform(3.3, 4.3))
                angle = 2 * math.pi * (int(code[-3:]) - 201) / n_villages + rng.uniform(-0.15, 0.15)
                radius = rng.uniform(0.030, 0.036)
                local_share = share
            village: Row = {
                "code": code,
                "name": name,
                "kind": kind,
                "parent": t_code,
                "households": households,
                "population": population,
            }
            plan.regions.append(village)
            villages_of[t_name].append(village)
            yi_share[code] = local_share
            township["households"] += households
            township["population"] += population

            n_grids = rng.randint(6, 8) if kind == "community" else rng.randint(4, 8)
            cx, cy = tx + radius * math.cos(angle), ty + radius * math.sin(angle)
            grid_households = _split(rng, households, n_grids)
            grid_population = _split(rng, population, n_grids)
            for j, boundary in enumerate(_cells(cx, cy, n_grids)):
                plan.grids.append(
                    {
                        "village": code,
                        "code": f"{code}{j + 1:02d}",
                        "name": f"{name}第{vocab.CHINESE_NUMERALS[j]}网格",
                        "police_grid": "",  # filled in once stations are known
                        "households": grid_households[j],
                        "population": grid_population[j],
                        "boundary": boundary,
                    }
                )
        county["households"] += township["households"]
        county["population"] += township["population"]

    # --- grid workers: one leader and three workers per grid -------------------------------
    workers_of_village: dict[str, list[Row]] = {}
    for grid in plan.grids:
        share = yi_share[grid["village"]]
        for k in range(4):
            leader = k == 0
            person = people.person(
                yi_share=share, born=(1965, 1990) if leader else (1970, 2001), female_share=0.4
            )
            row: Row = {
                "grid": grid["code"],
                "name": person.name,
                "gender": person.gender,
                "ethnicity": person.ethnicity,
                "id_number": person.id_number,
                "phone": person.phone,
                "role": "leader" if leader else "worker",
                "stars": rng.choice([3, 4, 4, 5]) if leader else rng.choice([0, 1, 2, 2, 3, 3, 3, 4, 5]),
                "since": _date(rng, dt.date(2019, 3, 1), 5 * 365),
            }
            plan.workers.append(row)
            workers_of_village.setdefault(grid["village"], []).append(row)

    # --- stations, jurisdiction, officers, auxiliary officers, assignments -----------------
    station_of_village: dict[str, Row] = {}
    attached_officer: dict[str, Row] = {}
    auxiliary_of: dict[str, Row] = {}
    for s_code, s_name, road, township_names in vocab.STATIONS:
        station: Row = {
            "code": s_code,
            "name": s_name,
            "county": county["code"],
            "address": f"{vocab.COUNTY_NAME}{road}{rng.randint(1, 199)}号",
            "phone": people.landline(),
        }
        plan.stations.append(station)
        villages = []
        for t_name in township_names:
            plan.jurisdictions.append({"station": s_code, "region": township_rows[t_name]["code"]})
            villages += villages_of[t_name]
        n_community = max(2, math.ceil(len(villages) / 3))
        posts = ["chief", "instructor"] + (["deputy_chief"] if len(villages) >= 12 else [])
        posts += ["community"] * n_community + ["case", "duty"]
        community_officers = []
        for post in posts:
            person = people.person(yi_share=0.3, born=(1970, 1998), female_share=0.15)
            officer: Row = {
                "station": s_code,
                "name": person.name,
                "badge_number": people.badge(),
                "post": post,
                "gender": person.gender,
                "phone": person.phone,
            }
            plan.officers.append(officer)
            if post == "community":
                community_officers.append(officer)
        for i, village in enumerate(villages):
            code = village["code"]
            station_of_village[code] = station
            officer = community_officers[i % len(community_officers)]
            attached_officer[code] = officer
            plan.assignments.append(
                {
                    "village": code,
                    "kind": "officer",
                    "officer": officer["badge_number"],
                    "auxiliary_officer": None,
                    "start_date": _date(rng, dt.date(2024, 1, 2), 120),
                    "note": "挂村民警,每月驻村不少于3天",
                }
            )
            person = people.person(yi_share=max(yi_share[code], 0.6), born=(1988, 2002), female_share=0.2)
            auxiliary: Row = {
                "station": s_code,
                "name": person.name,
                "gender": person.gender,
                "ethnicity": person.ethnicity,
                "id_number": person.id_number,
                "phone": person.phone,
            }
            plan.auxiliaries.append(auxiliary)
            auxiliary_of[code] = auxiliary
            plan.assignments.append(
                {
                    "village": code,
                    "kind": "auxiliary",
                    "officer": None,
                    "auxiliary_officer": person.id_number,
                    "start_date": _date(rng, dt.date(2023, 6, 1), 200),
                    "note": "一村一辅警",
                }
            )
    names_by_code = {r["code"]: r["name"] for r in plan.regions}
    for grid in plan.grids:
        j = int(grid["code"][-2:]) - 1
        station = station_of_village[grid["village"]]
        grid["police_grid"] = f"{station['name']}{names_by_code[grid['village']]}{j // 4 + 1}号警格"

    # --- mediators: 德古, people's mediators, lawyers --------------------------------------
    township_order = [t[1] for t in vocab.TOWNSHIPS]
    extra_degu = [
        "沙坪镇",
        "大堡镇",
        "黑竹沟镇",
        "觉莫乡",
        "哈曲乡",
        "勒乌乡",
        "杨河乡",
        "平等乡",
        "金岩乡",
        "毛坪镇",
        "白杨乡",
    ]
    specialities = ["婚姻家庭纠纷", "山林土地纠纷", "债务纠纷", "邻里纠纷", "家支间纠纷", "彝族习惯法调解"]
    degus_of: dict[str, list[Row]] = {}
    for t_name in township_order + extra_degu:
        clan = rng.choice(vocab.DEGU_CLANS)
        person = people.person(yi_share=1.0, born=(1946, 1972), female_share=0.08, clan=clan)
        row = {
            "township": township_rows[t_name]["code"],
            "name": person.name,
            "kind": "degu",
            "gender": person.gender,
            "ethnicity": "yi",
            "clan": clan,
            "id_number": person.id_number,
            "phone": person.phone,
            "organisation": f"{t_name}德古调解工作室",
            "speaks_yi": True,
            "speaks_mandarin": rng.random() < 0.8,
            "note": "擅长" + "、".join(rng.sample(specialities, 2)),
        }
        plan.mediators.append(row)
        degus_of.setdefault(t_name, []).append(row)
    people_townships = [t[1] for t in vocab.TOWNSHIPS if t[2] == "town"]
    people_townships += [t[1] for t in vocab.TOWNSHIPS if t[2] == "xiang"][:8]
    for t_name in people_townships:
        code = township_rows[t_name]["code"]
        person = people.person(yi_share=yi_share[code], born=(1960, 1988), female_share=0.4)
        plan.mediators.append(
            {
                "township": code,
                "name": person.name,
                "kind": "people",
                "gender": person.gender,
                "ethnicity": person.ethnicity,
                "clan": "",
                "id_number": person.id_number,
                "phone": person.phone,
                "organisation": f"{t_name}人民调解委员会",
                "speaks_yi": person.ethnicity == "yi" or rng.random() < 0.2,
                "speaks_mandarin": True,
                "note": "民调入所:每周到派出所调解室值班",
            }
        )
    for i, t_name in enumerate(["沙坪镇", "沙坪镇", "沙坪镇", "大堡镇", "毛坪镇"]):
        person = people.person(yi_share=0.2, born=(1975, 1993), female_share=0.4)
        plan.mediators.append(
            {
                "township": township_rows[t_name]["code"],
                "name": person.name,
                "kind": "lawyer",
                "gender": person.gender,
                "ethnicity": person.ethnicity,
                "clan": "",
                "id_number": person.id_number,
                "phone": person.phone,
                "organisation": vocab.LAW_FIRMS[i % len(vocab.LAW_FIRMS)],
                "speaks_yi": person.ethnicity == "yi",
                "speaks_mandarin": True,
                "note": "律师进所:每周到派出所坐班一天,提供法律咨询",
            }
        )

    # --- 治保会 in every village: chair = party secretary, deputy = auxiliary officer -----
    for t_name in township_order:
        for village in villages_of[t_name]:
            code = village["code"]
            established = _date(rng, dt.date(2023, 3, 1), 120)
            plan.committees.append(
                {"village": code, "name": f"{village['name']}治保会", "established_on": established}
            )
            secretary = people.person(yi_share=yi_share[code], born=(1962, 1985), female_share=0.15)
            aux = auxiliary_of[code]
            grid_worker = rng.choice([w for w in workers_of_village[code] if w["role"] == "worker"])
            degu = rng.choice(degus_of[t_name])
            members = [
                (secretary.name, secretary.phone, "chair", "party_secretary"),
                (aux["name"], aux["phone"], "deputy", "auxiliary_officer"),
                (grid_worker["name"], grid_worker["phone"], "member", "grid_worker"),
                (degu["name"], degu["phone"], "member", "degu"),
            ]
            for kind in ["party_member", "guard"] + rng.sample(
                ["courier", "other", "party_member"], rng.randint(0, 2)
            ):
                person = people.person(yi_share=yi_share[code], born=(1960, 2000), female_share=0.3)
                members.append((person.name, person.phone, "member", kind))
            for name, phone, position, kind in members:
                plan.members.append(
                    {
                        "committee": code,
                        "name": name,
                        "phone": phone,
                        "position": position,
                        "kind": kind,
                        "joined_on": _date(rng, established, 60),
                    }
                )

    # --- 群防群治 volunteer teams ---------------------------------------------------------
    teams: list[tuple[str, str, str]] = []  # (region code, name, kind)
    for t_name in township_order:
        teams.append((township_rows[t_name]["code"], f"{t_name}治安巡逻队", "patrol"))
    for t_name in township_order:
        for village in villages_of[t_name]:
            if village["kind"] == "community":
                teams.append((village["code"], f"{village['name']}红袖标志愿队", "red_armband"))
    for t_name in ["沙坪镇", "大堡镇", "毛坪镇", "黑竹沟镇", "新林镇"]:
        teams.append((township_rows[t_name]["code"], f"{t_name}平安志愿者服务队", "volunteer"))
    for t_name in ["沙坪镇", "大堡镇", "黑竹沟镇", "觉莫乡", "哈曲乡", "勒乌乡"]:
        village = next(v for v in villages_of[t_name] if v["kind"] == "village")
        teams.append((village["code"], f"{village['name']}护村队", "village_guard"))
    for region, name, kind in teams:
        share = yi_share[region]
        team_leader = people.person(yi_share=share, born=(1965, 1990), female_share=0.2)
        founded = _date(rng, dt.date(2019, 1, 1), 4 * 365)
        plan.teams.append(
            {
                "region": region,
                "name": name,
                "kind": kind,
                "leader_name": team_leader.name,
                "leader_phone": team_leader.phone,
                "founded_on": founded,
            }
        )
        for _ in range(rng.randint(8, 30)):
            member = people.person(yi_share=share, born=(1960, 2004), female_share=0.3)
            plan.team_members.append(
                {
                    "team": name,
                    "name": member.name,
                    "phone": member.phone,
                    "id_number": member.id_number,
                    "joined_on": _date(rng, founded, 700),
                }
            )

    # --- demo accounts --------------------------------------------------------------------
    demo_village = next(v for v in villages_of["沙坪镇"] if v["kind"] == "village")
    other_village = villages_of[vocab.STATIONS[1][3][0]][0]
    demo_grid = f"{demo_village['code']}01"
    grid_worker = next(w for w in plan.workers if w["grid"] == demo_grid and w["role"] == "worker")
    degu = degus_of["沙坪镇"][0]
    officer_1, officer_2 = attached_officer[demo_village["code"]], attached_officer[other_village["code"]]
    aux = auxiliary_of[demo_village["code"]]
    admin = people.person(yi_share=0.0, born=(1975, 1985), female_share=0.0)
    county_user = people.person(yi_share=0.3, born=(1980, 1990), female_share=1.0)
    plan.accounts = [
        {
            "username": "demo_admin",
            "role": "admin",
            "full_name": admin.name,
            "phone": admin.phone,
            "is_staff": True,
            "is_superuser": True,
            "link": None,
            "scope": "系统管理员,全县",
        },
        {
            "username": "demo_county",
            "role": "county",
            "full_name": county_user.name,
            "phone": county_user.phone,
            "is_staff": True,
            "is_superuser": False,
            "link": None,
            "scope": "县指挥中心,全县",
        },
        {
            "username": "demo_station",
            "role": "station",
            "full_name": officer_1["name"],
            "phone": officer_1["phone"],
            "is_staff": False,
            "is_superuser": False,
            "link": ("officer", officer_1["badge_number"]),
            "scope": f"{vocab.STATIONS[0][1]}社区民警,挂{demo_village['name']}",
        },
        {
            "username": "demo_station2",
            "role": "station",
            "full_name": officer_2["name"],
            "phone": officer_2["phone"],
            "is_staff": False,
            "is_superuser": False,
            "link": ("officer", officer_2["badge_number"]),
            "scope": f"{vocab.STATIONS[1][1]}社区民警(外所)",
        },
        {
            "username": "demo_auxiliary",
            "role": "auxiliary",
            "full_name": aux["name"],
            "phone": aux["phone"],
            "is_staff": False,
            "is_superuser": False,
            "link": ("auxiliary", aux["id_number"]),
            "scope": f"{demo_village['name']}驻村辅警",
        },
        {
            "username": "demo_grid",
            "role": "grid",
            "full_name": grid_worker["name"],
            "phone": grid_worker["phone"],
            "is_staff": False,
            "is_superuser": False,
            "link": ("grid_worker", grid_worker["id_number"]),
            "scope": f"{demo_village['name']}第一网格网格员",
        },
        {
            "username": "demo_mediator",
            "role": "mediator",
            "full_name": degu["name"],
            "phone": degu["phone"],
            "is_staff": False,
            "is_superuser": False,
            "link": ("mediator", degu["id_number"]),
            "scope": "沙坪镇德古",
        },
    ]
    # 乡镇综治中心: demo_township for the demo village's township (沙坪镇), one account per other
    # township; a liaison for each department the demo referrals go to (人社)
    demo_township = township_rows[next(t for t, vs in villages_of.items() if demo_village in vs)]
    for t_name, row in township_rows.items():
        handler = people.person(yi_share=0.5, born=(1980, 1995), female_share=0.5)
        is_demo = row is demo_township
        plan.accounts.append(
            {
                "username": "demo_township" if is_demo else f"demo_township_{row['code'][6:9]}",
                "role": "township",
                "full_name": handler.name,
                "phone": handler.phone,
                "is_staff": False,
                "is_superuser": False,
                "link": None,
                "township": row["code"],
                "scope": f"{t_name}综治中心",
            }
        )
    liaison = people.person(yi_share=0.2, born=(1980, 1995), female_share=0.5)
    plan.accounts.append(
        {
            "username": "demo_liaison_hrss",
            "role": "liaison",
            "full_name": liaison.name,
            "phone": liaison.phone,
            "is_staff": False,
            "is_superuser": False,
            "link": None,
            "liaison_unit": "hrss",
            "scope": "县人社局联络员",
        }
    )
    return plan

#!/usr/bin/env python3
"""Validate the national base-item catalog (data/catalog/base_items.json).

Usage: python3 data/catalog/validate.py [data/catalog/base_items.json]

Checks every rule of data/catalog/README.md, prints every violation (not only the first)
and exits 1 if there is any, else prints a summary and exits 0. Standard library only.
"""
import json
import re
import sys
from collections import Counter

MIN_ITEMS = 160
MIN_CROSS_CITY = 120

DEPARTMENTS = {
    "public_security": "PS",
    "human_resources_social_security": "HR",
    "healthcare_security": "HS",
    "housing_fund": "HF",
    "market_regulation": "MR",
    "health": "HE",
    "civil_affairs": "CA",
    "education": "ED",
    "taxation": "TX",
    "natural_resources": "NR",
    "transport": "TR",
    "veterans_affairs": "VA",
    "justice": "JU",
    "other": "OT",
}
POWER_TYPES = (
    "administrative_licensing",
    "administrative_confirmation",
    "administrative_payment",
    "administrative_collection",
    "administrative_ruling",
    "administrative_reward",
    "other_administrative_power",
    "public_service",
)
E_LICENCE_TYPES = (
    "resident_id_card", "household_register", "residence_permit", "marriage_certificate",
    "birth_medical_certificate", "business_licence", "driving_licence", "vehicle_registration",
    "social_security_card", "academic_certificate", "degree_certificate",
    "real_estate_certificate", "disability_certificate", "retirement_certificate",
    "professional_qualification", "veteran_certificate", "no_criminal_record",
)
MATERIAL_FORMS = ("original", "copy", "electronic")
VISIT_LEVELS = ("zero", "once", "multiple")
ONLINE_LEVELS = ("full", "partial", "none")
DELIVERY_METHODS = ("window", "mail", "online")

REQUIRED_KEYS = (
    "code", "name_zh", "name_en", "power_type", "department_category", "legal_basis",
    "materials", "statutory_limit_days", "promised_limit_days_typical", "visit_level",
    "online_level", "cross_city_eligible", "min_assurance_level", "delivery_methods",
    "frequency_rank",
)
OPTIONAL_KEYS = ("fee",)
MATERIAL_KEYS = ("name_zh", "name_en", "form", "e_licence_type")
FEE_KEYS = ("amount_cny", "basis")

CODE_RE = re.compile(r"^[A-Z]{2}-[0-9]{4}$")
CJK_RE = re.compile(r"[\u4e00-\u9fff]")
LAW_RE = re.compile(r"《[^《》]+》")


class DuplicateKey(ValueError):
    pass


def reject_duplicate_keys(pairs):
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise DuplicateKey(f"duplicate key {key!r}")
        obj[key] = value
    return obj


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def is_number(v):
    return (isinstance(v, (int, float)) and not isinstance(v, bool))


def text_ok(v):
    return isinstance(v, str) and v != "" and v == v.strip()


def english_ok(v):
    return text_ok(v) and all(32 <= ord(c) < 127 for c in v)


def chinese_ok(v):
    return text_ok(v) and CJK_RE.search(v) is not None


class Checker:
    def __init__(self):
        self.errors = []

    def err(self, where, message):
        self.errors.append(f"{where}: {message}")

    def check_keys(self, where, obj, required, optional=()):
        if not isinstance(obj, dict):
            self.err(where, "must be an object")
            return False
        for k in required:
            if k not in obj:
                self.err(where, f"missing required key {k!r}")
        for k in obj:
            if k not in required and k not in optional:
                self.err(where, f"unknown key {k!r}")
        return True

    def check_material(self, where, mat):
        if not self.check_keys(where, mat, MATERIAL_KEYS):
            return
        if "name_zh" in mat and not chinese_ok(mat["name_zh"]):
            self.err(where, "name_zh must be a trimmed non-empty string with Chinese text")
        if "name_en" in mat and not english_ok(mat["name_en"]):
            self.err(where, "name_en must be a trimmed non-empty ASCII string")
        if "form" in mat and mat["form"] not in MATERIAL_FORMS:
            self.err(where, f"form {mat['form']!r} not one of {', '.join(MATERIAL_FORMS)}")
        if "e_licence_type" in mat:
            e = mat["e_licence_type"]
            if e is not None and e not in E_LICENCE_TYPES:
                self.err(where, f"e_licence_type {e!r} is neither null nor a known e-licence type")

    def check_item(self, where, item):
        if not self.check_keys(where, item, REQUIRED_KEYS, OPTIONAL_KEYS):
            return
        code = item.get("code")
        if not isinstance(code, str) or not CODE_RE.match(code):
            self.err(where, f"code {code!r} does not match ^[A-Z]{{2}}-[0-9]{{4}}$")
        elif code.endswith("-0000"):
            self.err(where, "code number 0000 is not allowed")
        if "name_zh" in item and not chinese_ok(item["name_zh"]):
            self.err(where, "name_zh must be a trimmed non-empty string with Chinese text")
        if "name_en" in item and not english_ok(item["name_en"]):
            self.err(where, "name_en must be a trimmed non-empty ASCII string")

        power = item.get("power_type")
        if "power_type" in item and power not in POWER_TYPES:
            self.err(where, f"power_type {power!r} not one of {', '.join(POWER_TYPES)}")
        dept = item.get("department_category")
        if "department_category" in item:
            if dept not in DEPARTMENTS:
                self.err(where, f"department_category {dept!r} is not a known category")
            elif isinstance(code, str) and CODE_RE.match(code) and code[:2] != DEPARTMENTS[dept]:
                self.err(where, f"code prefix {code[:2]!r} does not match department_category "
                                f"{dept!r} (expected {DEPARTMENTS[dept]!r})")

        basis = item.get("legal_basis")
        if "legal_basis" in item:
            if not isinstance(basis, list) or not 1 <= len(basis) <= 3:
                self.err(where, "legal_basis must be an array of 1 to 3 strings")
            else:
                for i, b in enumerate(basis):
                    if not text_ok(b) or not LAW_RE.search(b):
                        self.err(where, f"legal_basis[{i}] must name a law or regulation in 《》")
                if len(set(map(str, basis))) != len(basis):
                    self.err(where, "legal_basis has duplicate entries")

        mats = item.get("materials")
        if "materials" in item:
            if not isinstance(mats, list):
                self.err(where, "materials must be an array")
            else:
                if power == "administrative_licensing" and not mats:
                    self.err(where, "an administrative_licensing item needs at least one material")
                names = Counter()
                for i, mat in enumerate(mats):
                    self.check_material(f"{where}.materials[{i}]", mat)
                    if isinstance(mat, dict):
                        names[str(mat.get("name_zh"))] += 1
                for name, n in names.items():
                    if n > 1:
                        self.err(where, f"material {name!r} listed {n} times")

        stat = item.get("statutory_limit_days")
        prom = item.get("promised_limit_days_typical")
        if "statutory_limit_days" in item and (not is_int(stat) or stat < 1):
            self.err(where, "statutory_limit_days must be an integer >= 1")
        if "promised_limit_days_typical" in item and (not is_int(prom) or prom < 1):
            self.err(where, "promised_limit_days_typical must be an integer >= 1")
        elif is_int(stat) and is_int(prom) and prom > stat:
            self.err(where, f"promised_limit_days_typical {prom} exceeds statutory_limit_days {stat}")

        visit = item.get("visit_level")
        online = item.get("online_level")
        if "visit_level" in item and visit not in VISIT_LEVELS:
            self.err(where, f"visit_level {visit!r} not one of {', '.join(VISIT_LEVELS)}")
        if "online_level" in item and online not in ONLINE_LEVELS:
            self.err(where, f"online_level {online!r} not one of {', '.join(ONLINE_LEVELS)}")
        if visit == "zero" and online in ONLINE_LEVELS and online != "full":
            self.err(where, "visit_level 'zero' requires online_level 'full' (nothing can be "
                            "handed in without either a visit or a full online procedure)")

        if "cross_city_eligible" in item and not isinstance(item["cross_city_eligible"], bool):
            self.err(where, "cross_city_eligible must be a boolean")
        lvl = item.get("min_assurance_level")
        if "min_assurance_level" in item and (not is_int(lvl) or lvl not in (1, 2, 3)):
            self.err(where, "min_assurance_level must be 1, 2 or 3")

        if "fee" in item:
            fee = item["fee"]
            if self.check_keys(f"{where}.fee", fee, FEE_KEYS):
                amount = fee.get("amount_cny")
                if "amount_cny" in fee and (not is_number(amount) or amount <= 0):
                    self.err(f"{where}.fee", "amount_cny must be a number > 0 (omit fee when free)")
                if "basis" in fee and not chinese_ok(fee["basis"]):
                    self.err(f"{where}.fee", "basis must be a non-empty Chinese string")

        dm = item.get("delivery_methods")
        if "delivery_methods" in item:
            if not isinstance(dm, list) or not dm:
                self.err(where, "delivery_methods must be a non-empty array")
            else:
                for d in dm:
                    if d not in DELIVERY_METHODS:
                        self.err(where, f"delivery method {d!r} not one of {', '.join(DELIVERY_METHODS)}")
                if len(set(map(str, dm))) != len(dm):
                    self.err(where, "delivery_methods has duplicates")

        if "frequency_rank" in item and not is_int(item["frequency_rank"]):
            self.err(where, "frequency_rank must be an integer")

    def check_document(self, doc):
        if not self.check_keys("document", doc, ("version", "items")):
            return []
        if doc.get("version") != 1 or not is_int(doc.get("version")):
            self.err("document", "version must be the integer 1")
        items = doc.get("items")
        if not isinstance(items, list):
            self.err("document", "items must be an array")
            return []
        for i, item in enumerate(items):
            code = item.get("code") if isinstance(item, dict) else None
            where = f"items[{i}]" + (f" ({code})" if isinstance(code, str) else "")
            self.check_item(where, item)
        good = [it for it in items if isinstance(it, dict)]
        n = len(items)

        for field in ("code", "name_zh", "name_en"):
            seen = Counter(str(it.get(field)) for it in good)
            for value, count in seen.items():
                if count > 1:
                    self.err("document", f"{field} {value!r} is used by {count} items")
        ranks = [it.get("frequency_rank") for it in good if is_int(it.get("frequency_rank"))]
        for value, count in Counter(ranks).items():
            if count > 1:
                self.err("document", f"frequency_rank {value} is used by {count} items")
        for r in ranks:
            if not 1 <= r <= n:
                self.err("document", f"frequency_rank {r} outside 1..{n}")

        if n < MIN_ITEMS:
            self.err("document", f"{n} items, at least {MIN_ITEMS} required")
        cross = sum(1 for it in good if it.get("cross_city_eligible") is True)
        if cross < MIN_CROSS_CITY:
            self.err("document", f"{cross} cross-city items, at least {MIN_CROSS_CITY} required")
        return good


def summary(items):
    def table(title, counter, order):
        print(title)
        for key in order:
            if counter.get(key):
                print(f"  {key:<34} {counter[key]:>4}")

    mats = [m for it in items for m in it["materials"]]
    replaceable = [m for m in mats if m["e_licence_type"] is not None]
    print(f"items: {len(items)}")
    table("by department:", Counter(it["department_category"] for it in items), DEPARTMENTS)
    table("by power type:", Counter(it["power_type"] for it in items), POWER_TYPES)
    table("by visit level:", Counter(it["visit_level"] for it in items), VISIT_LEVELS)
    table("by online level:", Counter(it["online_level"] for it in items), ONLINE_LEVELS)
    table("by min assurance level:", Counter(str(it["min_assurance_level"]) for it in items),
          ("1", "2", "3"))
    print(f"cross-city eligible: {sum(1 for it in items if it['cross_city_eligible'])}")
    print(f"with a fee: {sum(1 for it in items if 'fee' in it)}")
    print(f"materials: {len(mats)}, replaceable by an e-licence: {len(replaceable)}")
    table("e-licence types used:", Counter(m["e_licence_type"] for m in replaceable),
          E_LICENCE_TYPES)


def main(argv):
    if len(argv) > 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    path = argv[1] if len(argv) == 2 else "data/catalog/base_items.json"
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f, object_pairs_hook=reject_duplicate_keys)
    except OSError as e:
        print(f"{path}: cannot read: {e}", file=sys.stderr)
        return 2
    except (ValueError, DuplicateKey) as e:  # JSONDecodeError is a ValueError
        print(f"{path}: not valid JSON: {e}", file=sys.stderr)
        return 1
    checker = Checker()
    items = checker.check_document(doc)
    if checker.errors:
        for e in checker.errors:
            print(f"{path}: {e}", file=sys.stderr)
        print(f"{path}: {len(checker.errors)} error(s)", file=sys.stderr)
        return 1
    print(f"{path}: OK")
    summary(items)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

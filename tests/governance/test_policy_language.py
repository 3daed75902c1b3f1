"""The policy language: validation, parsing, hashing, resolution, strictness, overrides, diff."""

from __future__ import annotations

import copy
import hashlib
import json

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from governance.core.canonical import canonical_sha256
from governance.core.policy_language import (
    ALL_MEMBERS,
    PAP_ORDER,
    REVIEW_STAGES,
    SECRETARIAT_ONLY,
    SENSITIVITIES,
    TLP_ORDER,
    PolicyError,
    apply_override,
    check_override,
    check_override_document,
    diff_rules,
    field_plan,
    free_text_warnings,
    is_at_least_as_strict,
    parse_rules_yaml,
    resolve_rule,
    types_covered,
    validate_rules,
)

FIELDS = [
    {"name": "signup_ip", "datatype": "ipv4", "sensitivity": "personal"},
    {"name": "email", "datatype": "email", "sensitivity": "personal"},
    {"name": "first_seen", "datatype": "datetime", "sensitivity": "technical"},
    {"name": "requests", "datatype": "integer", "sensitivity": "technical"},
    {"name": "revenue", "datatype": "decimal", "sensitivity": "competitive"},
    {"name": "le_reference", "datatype": "string", "sensitivity": "restricted"},
    {"name": "analyst_notes", "datatype": "text", "sensitivity": "technical"},
]
TECHNICAL_ONLY = [
    {"name": "sdk", "datatype": "string", "sensitivity": "technical"},
    {"name": "notes", "datatype": "text", "sensitivity": "technical"},
]
CATALOG = {"account-cluster": FIELDS, "automation-client": TECHNICAL_ONLY}
ORGS = ["acme", "globex", "initech", "umbrella"]


def make_rule(**changes: object) -> dict:
    rule = {
        "share": True,
        "audience": ALL_MEMBERS,
        "tlp": "AMBER",
        "pap": "GREEN",
        "anonymize_contributor": True,
        "review": ["origin", "forum"],
        "retention_days": 180,
        "by_sensitivity": {
            "technical": "keep",
            "personal": "pseudonymize",
            "competitive": "drop",
            "restricted": "drop",
        },
        "fields": {
            "signup_ip": "generalize:ipv4/24",
            "requests": "generalize:log10",
            "analyst_notes": "scrub",
        },
    }
    rule.update(changes)
    return rule


def make_rules(**rule_changes: object) -> dict:
    return {
        "indicator_types": {
            "account-cluster": make_rule(**rule_changes),
            "automation-client": {"share": False},
        },
        "aggregates": {
            "weekly-campaign-volume": {
                "min_contributors": 5,
                "max_contributor_share": 0.25,
                "min_age_days": 90,
            }
        },
        "correlation": {"min_members": 2},
    }


def errors_of(rules: object, org_slugs: list[str] = ORGS) -> list[PolicyError]:
    return validate_rules(rules, catalog=CATALOG, org_slugs=org_slugs)


def single_error(rules: object) -> PolicyError:
    errors = errors_of(rules)
    assert len(errors) == 1, errors
    return errors[0]


RULE = "indicator_types.account-cluster"


# --- validation: schema ----------------------------------------------------------------------


def test_valid_rules_have_no_errors() -> None:
    assert errors_of(make_rules()) == []


def test_a_type_that_is_not_shared_needs_nothing_else() -> None:
    assert errors_of({"indicator_types": {"account-cluster": {"share": False}}}) == []


def test_rules_must_be_a_mapping() -> None:
    assert errors_of(["indicator_types"]) == [
        PolicyError("(root)", "the rules must be a mapping with an indicator_types key")
    ]


def test_indicator_types_is_required() -> None:
    assert single_error({"correlation": {"min_members": 2}}) == PolicyError(
        "indicator_types", "is required"
    )


def test_shared_type_needs_every_rule_key() -> None:
    rules = make_rules()
    del rules["indicator_types"]["account-cluster"]["tlp"]
    assert single_error(rules) == PolicyError(f"{RULE}.tlp", "is required when share is true")


def test_unknown_rule_key_is_named_with_the_allowed_keys() -> None:
    error = single_error(make_rules(colour="red"))
    assert error.path == f"{RULE}.colour"
    assert error.message.startswith("unknown key; allowed: share, audience, tlp")


def test_unknown_top_level_key_is_refused() -> None:
    error = single_error({**make_rules(), "voting": {}})
    assert error.path == "voting" and error.message.startswith("unknown key")


@pytest.mark.parametrize(
    ("changes", "path", "fragment"),
    [
        ({"tlp": "AMBER-STRICT"}, "tlp", "must be one of CLEAR, GREEN, AMBER, AMBER+STRICT, RED"),
        ({"pap": "AMBER+STRICT"}, "pap", "must be one of CLEAR, GREEN, AMBER, RED"),
        ({"share": "yes"}, "share", "must be a boolean"),
        ({"anonymize_contributor": 1}, "anonymize_contributor", "must be a boolean"),
        ({"retention_days": 0}, "retention_days", "must be at least 1"),
        ({"retention_days": 3651}, "retention_days", "must be at most 3650"),
        ({"retention_days": 180.0}, "retention_days", "must be an integer"),
        ({"review": ["legal"]}, "review.0", "must be one of origin, forum"),
        ({"review": ["origin", "origin"]}, "review", "lists the same value more than once"),
        ({"audience": "everyone"}, "audience", "must be all_members, secretariat_only or a"),
        ({"audience": []}, "audience", "non-empty list of organisation slugs"),
        ({"by_sensitivity": {"secret": "drop"}}, "by_sensitivity.secret", "unknown key"),
        ({"fields": {"signup_ip": 24}}, "fields.signup_ip", "must be a string"),
    ],
)
def test_schema_errors_carry_their_path(changes: dict, path: str, fragment: str) -> None:
    errors = errors_of(make_rules(**changes))
    assert any(e.path == f"{RULE}.{path}" and fragment in e.message for e in errors), errors


@pytest.mark.parametrize(
    ("aggregate", "path", "fragment"),
    [
        ({"min_contributors": 1}, "min_contributors", "must be at least 2"),
        ({"max_contributor_share": 0}, "max_contributor_share", "must be greater than 0"),
        ({"max_contributor_share": 1.5}, "max_contributor_share", "must be at most 1"),
        ({"min_age_days": -1}, "min_age_days", "must be at least 0"),
        ({"technique_field": "requests"}, "(self)", "technique_field needs a type"),
        ({"type": "no-such-type"}, "type", "unknown indicator type 'no-such-type'"),
        ({"type": "account-cluster", "technique_field": "nope"}, "technique_field", "no field"),
    ],
)
def test_aggregate_errors_carry_their_path(aggregate: dict, path: str, fragment: str) -> None:
    rules = make_rules()
    rules["aggregates"]["weekly-campaign-volume"].update(aggregate)
    where = "aggregates.weekly-campaign-volume"
    where = where if path == "(self)" else f"{where}.{path}"
    errors = errors_of(rules)
    assert any(e.path == where and fragment in e.message for e in errors), errors


def test_aggregate_may_name_a_type_and_technique_field() -> None:
    rules = make_rules()
    rules["aggregates"]["weekly-campaign-volume"].update(
        {"type": "account-cluster", "technique_field": "requests"}
    )
    assert errors_of(rules) == []


def test_correlation_needs_at_least_two_members() -> None:
    rules = {**make_rules(), "correlation": {"min_members": 1}}
    assert single_error(rules) == PolicyError(
        "correlation.min_members", "must be at least 2, not 1"
    )


def test_non_text_keys_are_refused() -> None:
    rules = make_rules(fields={1: "drop"})
    assert single_error(rules) == PolicyError(f"{RULE}.fields.1", "keys must be text")


# --- validation: semantics -------------------------------------------------------------------


def test_unknown_type_is_refused() -> None:
    rules = make_rules()
    rules["indicator_types"]["model-weights"] = {"share": False}
    error = single_error(rules)
    assert error.path == "indicator_types.model-weights"
    assert error.message.startswith("unknown indicator type; known: account-cluster")


def test_unknown_field_is_refused() -> None:
    error = single_error(make_rules(fields={"signup_ipv4": "drop"}))
    assert error.path == f"{RULE}.fields.signup_ipv4"
    assert error.message.startswith("unknown field; fields of this type: signup_ip, email")


def test_action_outside_the_grammar_is_refused() -> None:
    error = single_error(make_rules(fields={"email": "hash"}))
    assert error.path == f"{RULE}.fields.email"
    assert error.message.startswith("unknown action 'hash'")


def test_action_unfit_for_the_field_datatype_is_refused() -> None:
    error = single_error(make_rules(fields={"signup_ip": "generalize:day"}))
    assert error == PolicyError(
        f"{RULE}.fields.signup_ip", "action generalize:day cannot be applied to a ipv4 field"
    )


def test_sensitivity_default_unfit_for_a_field_without_override_is_refused() -> None:
    rules = make_rules(fields={"signup_ip": "generalize:ipv4/24", "requests": "drop"})
    rules["indicator_types"]["account-cluster"]["by_sensitivity"]["technical"] = "scrub"
    error = single_error(rules)
    assert error.path == f"{RULE}.by_sensitivity.technical"
    assert "scrub cannot be applied to the datetime field first_seen" in error.message


def test_audience_naming_an_unknown_organisation_is_refused() -> None:
    error = single_error(make_rules(audience=["acme", "hooli"]))
    assert error == PolicyError(f"{RULE}.audience.1", "unknown organisation 'hooli'")


def test_audience_of_known_organisations_is_accepted() -> None:
    assert errors_of(make_rules(audience=["acme", "globex"])) == []


def test_review_stages_must_run_origin_then_forum() -> None:
    error = single_error(make_rules(review=["forum", "origin"]))
    assert error == PolicyError(f"{RULE}.review", "stages run in the order origin, forum")


@pytest.mark.parametrize("field", ["revenue", "le_reference"])
def test_keep_on_a_protected_field_is_refused(field: str) -> None:
    error = single_error(make_rules(fields={field: "keep"}))
    assert error.path == f"{RULE}.fields.{field}"
    assert "in clear" in error.message


@pytest.mark.parametrize("sensitivity", ["competitive", "restricted"])
def test_keep_as_a_protected_class_default_is_refused(sensitivity: str) -> None:
    rules = make_rules()
    rules["indicator_types"]["account-cluster"]["by_sensitivity"][sensitivity] = "keep"
    error = single_error(rules)
    assert error.path == f"{RULE}.by_sensitivity.{sensitivity}"
    assert error.message.startswith(f"keep would share {sensitivity} information in clear")


def test_auto_publication_with_a_protected_field_not_dropped_is_refused() -> None:
    error = single_error(make_rules(review=[], fields={"revenue": "pseudonymize"}))
    assert error.path == f"{RULE}.review"
    assert "auto-publish the competitive field revenue (pseudonymize)" in error.message


def test_auto_publication_is_accepted_when_protected_fields_are_dropped() -> None:
    assert errors_of(make_rules(review=[])) == []


def test_auto_publication_of_a_technical_only_type_is_accepted() -> None:
    rules = make_rules()
    rules["indicator_types"]["automation-client"] = make_rule(review=[], fields={})
    assert errors_of(rules) == []


def test_missing_sensitivity_defaults_fall_back_to_drop() -> None:
    rule = make_rule(by_sensitivity={"technical": "keep"}, fields={})
    del rule["by_sensitivity"]
    plan = field_plan(rule, "account-cluster", FIELDS)
    assert {action for _name, _dt, action, _path in plan} == {"drop"}
    assert plan[0][3] == f"{RULE}.(default)"
    assert errors_of({"indicator_types": {"account-cluster": rule}}) == []


# --- parsing and hashing ---------------------------------------------------------------------


def test_parse_rules_yaml_reads_a_document() -> None:
    text = "indicator_types:\n  account-cluster: {share: false}\n"
    assert parse_rules_yaml(text) == (
        {"indicator_types": {"account-cluster": {"share": False}}},
        [],
    )


def test_yaml_syntax_error_names_line_and_column() -> None:
    rules, errors = parse_rules_yaml("indicator_types:\n  account-cluster: {share: [true\n")
    assert rules is None
    assert len(errors) == 1 and errors[0].path == "(yaml)"
    assert errors[0].message.startswith("line 3, column 1:")


def test_yaml_duplicate_key_is_refused_with_its_line() -> None:
    text = "indicator_types:\n  account-cluster: {share: false}\n  account-cluster: {share: true}\n"
    rules, errors = parse_rules_yaml(text)
    assert rules is None
    assert errors[0].path == "(yaml)"
    assert errors[0].message.startswith("line 3, column 3:")
    assert "duplicate key 'account-cluster'" in errors[0].message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the document is empty"),
        ("- a\n- b\n", "the document must be a mapping with an indicator_types key"),
    ],
)
def test_yaml_that_is_not_a_mapping_is_refused(text: str, message: str) -> None:
    assert parse_rules_yaml(text) == (None, [PolicyError("(yaml)", message)])


def test_yaml_python_tags_are_refused() -> None:
    rules, errors = parse_rules_yaml("a: !!python/object/apply:os.system ['true']\n")
    assert rules is None and errors[0].path == "(yaml)"


def test_policy_content_hash_is_sha256_of_rfc8785_json() -> None:
    rules = make_rules()
    assert canonical_sha256(rules) == hashlib.sha256(rfc8785.dumps(rules)).hexdigest()


def test_policy_content_hash_ignores_key_order_and_format() -> None:
    rules = make_rules()
    reordered = json.loads(json.dumps(rules, sort_keys=True))
    assert canonical_sha256(reordered) == canonical_sha256(rules)
    parsed, _ = parse_rules_yaml(json.dumps(rules, indent=3))
    assert canonical_sha256(parsed) == canonical_sha256(rules)


def test_policy_content_hash_changes_with_any_value() -> None:
    assert canonical_sha256(make_rules(tlp="RED")) != canonical_sha256(make_rules())


# --- resolution ------------------------------------------------------------------------------


def test_resolve_rule_returns_none_when_absent_or_not_shared() -> None:
    rules = make_rules()
    assert resolve_rule(rules, "automation-client") is None
    assert resolve_rule(rules, "proxy-service") is None
    assert resolve_rule(rules, "account-cluster") == rules["indicator_types"]["account-cluster"]


def test_resolve_rule_returns_a_copy() -> None:
    rules = make_rules()
    resolve_rule(rules, "account-cluster")["fields"]["email"] = "keep"
    assert "email" not in rules["indicator_types"]["account-cluster"]["fields"]


def test_field_plan_names_where_each_action_comes_from() -> None:
    plan = field_plan(make_rule(), "account-cluster", FIELDS)
    assert plan == [
        ("signup_ip", "ipv4", "generalize:ipv4/24", f"{RULE}.fields.signup_ip"),
        ("email", "email", "pseudonymize", f"{RULE}.by_sensitivity.personal"),
        ("first_seen", "datetime", "keep", f"{RULE}.by_sensitivity.technical"),
        ("requests", "integer", "generalize:log10", f"{RULE}.fields.requests"),
        ("revenue", "decimal", "drop", f"{RULE}.by_sensitivity.competitive"),
        ("le_reference", "string", "drop", f"{RULE}.by_sensitivity.restricted"),
        ("analyst_notes", "text", "scrub", f"{RULE}.fields.analyst_notes"),
    ]


def test_field_plan_of_an_unshared_type_drops_everything() -> None:
    plan = field_plan(None, "automation-client", TECHNICAL_ONLY)
    assert plan == [
        ("sdk", "string", "drop", "indicator_types.automation-client.share"),
        ("notes", "text", "drop", "indicator_types.automation-client.share"),
    ]


def test_types_covered_lists_shared_types_only() -> None:
    assert types_covered(make_rules()) == ["account-cluster"]


# --- strictness: examples --------------------------------------------------------------------


def reasons(candidate: dict | None, baseline: dict | None, **kwargs: object) -> list[str]:
    kwargs.setdefault("fields", FIELDS)
    return is_at_least_as_strict(candidate, baseline, all_member_slugs=ORGS, **kwargs)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"tlp": "GREEN"}, "tlp: TLP:GREEN is less restrictive than TLP:AMBER"),
        ({"pap": "CLEAR"}, "pap: PAP:CLEAR is less restrictive than PAP:GREEN"),
        ({"anonymize_contributor": False}, "anonymize_contributor: would reveal the contributor"),
        ({"review": ["origin"]}, "review: skips the review stage forum"),
        ({"retention_days": 365}, "retention_days: keeps indicators 365 days, longer than 180"),
        (
            {"fields": {"signup_ip": "keep"}},
            "fields.signup_ip: keep discloses more than generalize:ipv4/24",
        ),
        (
            {"fields": {"signup_ip": "generalize:ipv4/28"}},
            "fields.signup_ip: generalize:ipv4/28 discloses more than generalize:ipv4/24",
        ),
    ],
)
def test_looser_rule_is_refused_with_its_reason(changes: dict, reason: str) -> None:
    base = make_rule()
    candidate = make_rule(**changes)
    if "fields" in changes:
        candidate["fields"] = {**base["fields"], **changes["fields"]}
    assert reasons(candidate, base) == [reason]


def test_audience_must_be_a_subset() -> None:
    base = make_rule(audience=["acme", "globex"])
    assert reasons(make_rule(audience=["acme"]), base) == []
    assert reasons(make_rule(audience=SECRETARIAT_ONLY), base) == []
    assert reasons(make_rule(audience=ALL_MEMBERS), base) == [
        "audience: reaches initech, umbrella beyond the baseline"
    ]
    assert reasons(make_rule(audience=["acme", "globex"]), make_rule()) == []


def test_share_false_is_the_strictest() -> None:
    assert reasons({"share": False}, make_rule()) == []
    assert reasons(None, make_rule()) == []
    assert reasons(make_rule(), {"share": False}) == [
        "share: shares a type that the baseline does not share"
    ]
    assert reasons(make_rule(), None) != []


def test_class_default_loosening_is_refused() -> None:
    base = make_rule()
    candidate = make_rule(by_sensitivity={**base["by_sensitivity"], "personal": "keep"})
    assert "by_sensitivity.personal: keep discloses more than pseudonymize" in reasons(
        candidate, base
    )
    assert "fields.email: keep discloses more than pseudonymize" in reasons(candidate, base)


def test_without_fields_an_override_is_compared_against_every_class() -> None:
    base = make_rule(fields={})
    candidate = make_rule(fields={"analyst_notes": "scrub"})
    assert reasons(candidate, base, fields=None) != []  # could be a competitive field
    assert reasons(candidate, base, fields=FIELDS) == []
    assert reasons(make_rule(fields={"analyst_notes": "drop"}), base, fields=None) == []


# --- strictness: properties ------------------------------------------------------------------


def actions_for(datatype: str) -> st.SearchStrategy[str]:
    options = [st.sampled_from(["keep", "drop", "pseudonymize"])]
    if datatype in ("string", "text"):
        options.append(st.just("scrub"))
    if datatype not in ("integer", "decimal", "datetime"):
        options.append(st.integers(0, 8).map(lambda n: f"mask:{n}"))
    if datatype == "ipv4":
        options.append(st.integers(8, 32).map(lambda n: f"generalize:ipv4/{n}"))
    if datatype == "datetime":
        options.append(st.sampled_from(["generalize:hour", "generalize:day", "generalize:week"]))
    if datatype in ("integer", "decimal"):
        options.append(st.just("generalize:log10"))
    return st.one_of(options)


@st.composite
def rules_strategy(draw: st.DrawFn) -> dict:
    overrides = {}
    for spec in FIELDS:
        if draw(st.booleans()):
            overrides[spec["name"]] = draw(actions_for(spec["datatype"]))
    return {
        "share": True,
        "audience": draw(
            st.one_of(
                st.sampled_from([ALL_MEMBERS, SECRETARIAT_ONLY]),
                st.lists(st.sampled_from(ORGS), min_size=1, unique=True),
            )
        ),
        "tlp": draw(st.sampled_from(TLP_ORDER)),
        "pap": draw(st.sampled_from(PAP_ORDER)),
        "anonymize_contributor": draw(st.booleans()),
        "review": draw(st.sampled_from([[], ["origin"], ["forum"], ["origin", "forum"]])),
        "retention_days": draw(st.integers(1, 3650)),
        "by_sensitivity": {
            s: draw(st.sampled_from(["keep", "drop", "pseudonymize"]))
            for s in SENSITIVITIES
            if draw(st.booleans())
        },
        "fields": overrides,
    }


def _effective(rule: dict, spec: dict) -> str:
    if spec["name"] in rule["fields"]:
        return rule["fields"][spec["name"]]
    return rule["by_sensitivity"].get(spec["sensitivity"], "drop")


@st.composite
def tightened(draw: st.DrawFn, rule: dict) -> dict:
    """Return `rule` made strictly stricter by one random step."""
    new = copy.deepcopy(rule)
    audience = set(ORGS) if rule["audience"] == ALL_MEMBERS else set()
    if isinstance(rule["audience"], list):
        audience = set(rule["audience"])
    steps = ["share"]
    if audience:
        steps.append("audience")
    if rule["tlp"] != "RED":
        steps.append("tlp")
    if rule["pap"] != "RED":
        steps.append("pap")
    if not rule["anonymize_contributor"]:
        steps.append("anonymize")
    if len(rule["review"]) < 2:
        steps.append("review")
    if rule["retention_days"] > 1:
        steps.append("retention")
    open_fields = [f for f in FIELDS if _effective(rule, f) != "drop"]
    if open_fields:
        steps.append("field")
    open_classes = [s for s in SENSITIVITIES if rule["by_sensitivity"].get(s, "drop") != "drop"]
    if open_classes:
        steps.append("class")
    step = draw(st.sampled_from(steps))
    if step == "share":
        return {"share": False}
    if step == "audience":
        removed = draw(st.sampled_from(sorted(audience)))
        rest = sorted(audience - {removed})
        new["audience"] = rest or SECRETARIAT_ONLY
    elif step == "tlp":
        new["tlp"] = draw(st.sampled_from(TLP_ORDER[TLP_ORDER.index(rule["tlp"]) + 1 :]))
    elif step == "pap":
        new["pap"] = draw(st.sampled_from(PAP_ORDER[PAP_ORDER.index(rule["pap"]) + 1 :]))
    elif step == "anonymize":
        new["anonymize_contributor"] = True
    elif step == "review":
        added = draw(st.sampled_from([s for s in REVIEW_STAGES if s not in rule["review"]]))
        new["review"] = [s for s in REVIEW_STAGES if s in rule["review"] or s == added]
    elif step == "retention":
        new["retention_days"] = draw(st.integers(1, rule["retention_days"] - 1))
    elif step == "field":
        spec = draw(st.sampled_from(open_fields))
        current = _effective(rule, spec)
        choices = ["drop"] if current == "pseudonymize" else ["drop", "pseudonymize"]
        new["fields"][spec["name"]] = draw(st.sampled_from(choices))
    else:
        new["by_sensitivity"][draw(st.sampled_from(open_classes))] = "drop"
    return new


@given(rules_strategy())
def test_strictness_is_reflexive(rule: dict) -> None:
    assert reasons(rule, rule) == []
    assert reasons(rule, rule, fields=None) == []


@given(st.data())
def test_a_tightening_step_is_accepted_and_its_reverse_refused(data: st.DataObject) -> None:
    rule = data.draw(rules_strategy())
    stricter = data.draw(tightened(rule))
    assert reasons(stricter, rule) == []
    assert reasons(rule, stricter) != []


@given(st.data())
def test_strictness_is_transitive_along_tightening_chains(data: st.DataObject) -> None:
    c = data.draw(rules_strategy())
    b = data.draw(tightened(c))
    a = data.draw(tightened(b)) if b.get("share") else b
    assert reasons(b, c) == [] and reasons(a, b) == []
    assert reasons(a, c) == []


@given(rules_strategy(), rules_strategy(), rules_strategy())
def test_strictness_is_transitive_on_arbitrary_rules(a: dict, b: dict, c: dict) -> None:
    if reasons(a, b) == [] and reasons(b, c) == []:
        assert reasons(a, c) == []


# --- overrides -------------------------------------------------------------------------------


def test_apply_override_merges_field_actions_and_replaces_keys() -> None:
    merged = apply_override(make_rule(), {"tlp": "RED", "fields": {"email": "drop"}})
    assert merged["tlp"] == "RED"
    assert merged["fields"] == {
        "signup_ip": "generalize:ipv4/24",
        "requests": "generalize:log10",
        "analyst_notes": "scrub",
        "email": "drop",
    }
    assert merged["by_sensitivity"] == make_rule()["by_sensitivity"]


def test_apply_override_with_share_false_stops_sharing() -> None:
    assert apply_override(make_rule(), {"share": False}) == {"share": False}


def check(base: dict | None, override: object) -> list[PolicyError]:
    return check_override(base, override, all_member_slugs=ORGS, fields=FIELDS)


@pytest.mark.parametrize(
    "override",
    [
        {"share": False},
        {"audience": ["acme"]},
        {"tlp": "RED", "pap": "AMBER"},
        {"review": ["origin", "forum"], "retention_days": 30},
        {"fields": {"email": "drop", "signup_ip": "generalize:ipv4/16"}},
        {"by_sensitivity": {"technical": "pseudonymize"}},
    ],
)
def test_stricter_override_is_accepted(override: dict) -> None:
    assert check(make_rule(), override) == []


@pytest.mark.parametrize(
    ("override", "path", "fragment"),
    [
        ({"audience": ALL_MEMBERS}, "audience", "reaches globex, initech, umbrella"),
        ({"tlp": "CLEAR"}, "tlp", "TLP:CLEAR is less restrictive than TLP:AMBER"),
        ({"review": []}, "review", "skips the review stage origin"),
        ({"retention_days": 999}, "retention_days", "longer than 180"),
        ({"anonymize_contributor": False}, "anonymize_contributor", "reveal the contributor"),
        ({"fields": {"email": "keep"}}, "fields.email", "keep discloses more than pseudonymize"),
    ],
)
def test_looser_override_is_refused_with_the_reason(
    override: dict, path: str, fragment: str
) -> None:
    errors = check(make_rule(audience=["acme"], review=["origin"]), override)
    assert any(e.path == path and fragment in e.message for e in errors), errors
    assert all(e.message.startswith("looser than the policy in force") for e in errors)


def test_override_cannot_share_a_type_the_policy_does_not() -> None:
    assert check(None, {"share": True}) == [
        PolicyError("share", "looser than the policy in force: shares a type that the "
                    "baseline does not share")
    ]  # fmt: skip


def test_override_with_an_unfit_action_is_refused() -> None:
    assert check(make_rule(), {"fields": {"signup_ip": "scrub"}}) == [
        PolicyError("fields.signup_ip", "action scrub cannot be applied to a ipv4 field")
    ]


def test_override_with_an_unknown_key_is_refused() -> None:
    errors = check(make_rule(), {"tlp": "RED", "notify": True})
    assert [e.path for e in errors] == ["notify"]


def test_empty_override_is_refused() -> None:
    assert check(make_rule(), {}) == [PolicyError("(root)", "must set at least one key")]


def test_override_document_is_checked_per_type() -> None:
    document = {
        "account-cluster": {"tlp": "GREEN"},
        "automation-client": {"share": False},
        "made-up": {"share": False},
    }
    errors = check_override_document(make_rules(), document, catalog=CATALOG, all_member_slugs=ORGS)
    assert [e.path for e in errors] == ["account-cluster.tlp", "made-up"]


# --- diff ------------------------------------------------------------------------------------


def test_diff_reports_added_removed_and_changed() -> None:
    old = make_rules()
    new = copy.deepcopy(old)
    rule = new["indicator_types"]["account-cluster"]
    rule["tlp"] = "RED"
    rule["by_sensitivity"]["personal"] = "drop"
    rule["fields"]["email"] = "drop"
    del rule["fields"]["requests"]
    del new["indicator_types"]["automation-client"]
    new["indicator_types"]["proxy-service"] = {"share": False}
    new["aggregates"]["weekly-campaign-volume"]["min_contributors"] = 6
    new["correlation"] = {"min_members": 3}
    changes = diff_rules(old, new)
    summary = [(c["type"], c["field"], c["key"], c["change"]) for c in changes]
    assert summary == [
        ("account-cluster", None, "tlp", "changed"),
        ("account-cluster", None, "by_sensitivity.personal", "changed"),
        ("account-cluster", "email", "action", "added"),
        ("account-cluster", "requests", "action", "removed"),
        ("automation-client", None, "type", "removed type"),
        ("proxy-service", None, "type", "added type"),
        (None, None, "aggregates.weekly-campaign-volume", "changed"),
        (None, None, "correlation", "changed"),
    ]
    assert changes[0]["old"] == "AMBER" and changes[0]["new"] == "RED"
    assert changes[3]["old"] == "generalize:log10" and changes[3]["new"] is None


def test_diff_of_identical_rules_is_empty() -> None:
    assert diff_rules(make_rules(), make_rules()) == []


def test_diff_from_nothing_adds_every_type() -> None:
    changes = diff_rules(None, make_rules())
    assert [c["change"] for c in changes[:2]] == ["added type", "added type"]


# --- free text under auto-publication ----------------------------------------------------------

NOTES_FIELDS = [
    {"name": "sdk_name", "datatype": "string", "sensitivity": "technical"},
    {"name": "notes", "datatype": "text", "sensitivity": "technical"},
    {"name": "example", "datatype": "text", "sensitivity": "technical"},
]


def _auto_rule(**fields) -> dict:
    return {
        "indicator_types": {
            "client": {
                "share": True,
                "review": [],
                "by_sensitivity": {"technical": "keep"},
                "fields": fields,
            }
        }
    }


def test_an_auto_publishing_type_that_keeps_free_text_warns_counsel() -> None:
    [warning] = free_text_warnings(
        _auto_rule(notes="scrub", example="mask:4"), catalog={"client": NOTES_FIELDS}
    )
    assert warning.path == "indicator_types.client.review"
    assert warning.message.startswith(
        "client auto-publishes but keeps free text `notes` (scrub), `example` (mask:4): every "
        "such submission will be reviewed (origin stage)."
    )


def test_structured_only_or_reviewed_types_do_not_warn() -> None:
    catalog = {"client": NOTES_FIELDS}
    assert (
        free_text_warnings(_auto_rule(notes="drop", example="pseudonymize"), catalog=catalog) == []
    )
    reviewed = _auto_rule(notes="scrub", example="keep")
    reviewed["indicator_types"]["client"]["review"] = ["origin"]
    assert free_text_warnings(reviewed, catalog=catalog) == []
    assert (
        free_text_warnings({"indicator_types": {"client": {"share": False}}}, catalog=catalog) == []
    )

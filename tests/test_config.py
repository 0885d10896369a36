"""The config schema: defaults, rejections naming the key, derived quantities."""

import numpy as np
import pytest

from mblbath import config as mc


def test_defaults_fill_every_section():
    cfg = mc.validate_config({})
    assert cfg["model"]["W"] == 6.5
    assert cfg["numerics"]["order"] == 4
    assert cfg["analysis"]["fit_t_min"] == 1.0
    assert cfg["criterion"]["L"] == 600


@pytest.mark.parametrize(
    ("bad", "key"),
    [
        ({"sweep": {"L": [13]}}, "sweep.L.0"),
        ({"sweep": {"L": [-6]}}, "sweep.L.0"),
        ({"sweep": {"L": "12"}}, "sweep.L"),
        ({"sweep": {"U": ["a"]}}, "sweep.U.0"),
        ({"sweep": {"U": [-1.0]}}, "sweep.U.0"),
        ({"sweep": {"n_seeds": 0}}, "sweep.n_seeds"),
        ({"numerics": {"chi_max": -1}}, "numerics.chi_max"),
        ({"numerics": {"dt": 0}}, "numerics.dt"),
        ({"numerics": {"order": 3}}, "numerics.order"),
        ({"numerics": {"t_max": -5}}, "numerics.t_max"),
        ({"numerics": {"t_max": 20.03}}, "numerics.t_max"),
        ({"numerics": {"chi_max_per_L": {"24": 64}}}, "numerics.chi_max_per_L.24"),
        ({"numerics": {"cdd_every": 0}}, "numerics.cdd_every"),
        ({"numerics": {"cdd_every": 1.5}}, "numerics.cdd_every"),
        ({"model": {"W": float("nan")}}, "model.W"),
        ({"model": {"d_residue": 3}}, "model.d_residue"),
        ({"model": {"c_site": 12}}, "model.c_site"),
        ({"modle": {}}, "modle"),
        ({"model": {"Wd": 1.0}}, "model.Wd"),
        ({"analysis": {"t_ent": 100.0}}, "analysis.t_ent"),
        ({"criterion": {"W_min": 5.0, "W_max": 2.0}}, "criterion.W_min"),
    ],
)
def test_bad_config_names_the_key(bad, key):
    with pytest.raises(mc.ConfigError, match=f"'{key}'"):
        mc.validate_config(bad)


def test_fmt_float_is_canonical():
    assert mc.fmt_float(2.5) == mc.fmt_float(2.50) == "2.5"
    assert mc.fmt_float(12) == mc.fmt_float(12.0) == "12"
    assert mc.fmt_float(1e-10) == "1e-10"
    assert mc.fmt_float(0.05) == "0.05"
    import re

    for x in (0, 2.5, 12, 1e-10, 0.05, 130):
        assert re.fullmatch(mc.FLOAT_RE, mc.fmt_float(x))


def test_cdd_mask_keeps_first_last_and_every_kth():
    np.testing.assert_array_equal(mc.cdd_mask(7, 3), [1, 0, 0, 1, 0, 0, 1])
    np.testing.assert_array_equal(mc.cdd_mask(6, 3), [1, 0, 0, 1, 0, 1])
    assert mc.cdd_mask(5, 1).all()
    p = mc.run_params(L=6, U=1.0, seed=0, t_max=1.0, dt=0.1, cdd_every=2)
    assert p.cdd_times().shape == p.times().shape and p.cdd_times().sum() < len(p.times())
    with pytest.raises(ValueError, match="cdd_every"):
        mc.cdd_mask(5, 0)


def test_time_grid_lands_on_dt_multiples():
    t = mc.time_grid(20.0, 0.05, 0.1, 10)
    assert t[0] == 0 and t[1] == pytest.approx(0.1) and t[-1] == pytest.approx(20.0)
    steps = t / 0.05
    np.testing.assert_allclose(steps, np.rint(steps), atol=1e-9)
    assert np.all(np.diff(t) > 0)


def test_run_table_and_numerics_per_L():
    cfg = mc.validate_config(
        {
            "sweep": {"L": [12, 18], "U": [0, 12], "n_seeds": 3},
            "numerics": {"chi_max_per_L": {"18": 96}},
        }
    )
    runs = mc.run_table(cfg)
    assert len(runs) == 2 * 2 * 3
    assert {r.chi_max for r in runs if r.L == 18} == {96}
    assert {r.chi_max for r in runs if r.L == 12} == {64}
    assert runs[0].numerics == "chi64_dt0.05_o4_svd1e-10_T20"


def test_run_params_names_cli_parameter():
    with pytest.raises(mc.ConfigError, match="parameter '--L'"):
        mc.run_params(L=14, U=1.0, seed=0)
    with pytest.raises(mc.ConfigError, match="parameter '--chi-max'"):
        mc.run_params(L=12, U=1.0, seed=0, chi_max=0)
    with pytest.raises(mc.ConfigError, match="parameter '--seed'"):
        mc.run_params(L=12, U=1.0, seed=-1)
    with pytest.raises(mc.ConfigError, match="parameter '--W': nan is not a finite number"):
        mc.run_params(L=12, U=1.0, seed=0, W=float("nan"))
    with pytest.raises(mc.ConfigError, match="parameter '--t-first': must be smaller than --t-max"):
        mc.run_params(L=12, U=1.0, seed=0, t_max=0.1)
    with pytest.raises(mc.ConfigError, match="parameter '--c-site': 12 is not a site of L=12"):
        mc.run_params(L=12, U=1.0, seed=0, c_site=12)
    with pytest.raises(TypeError, match="chi"):
        mc.run_params(L=12, U=1.0, seed=0, chi=8)
    p = mc.run_params(L=12, U=1.0, seed=0)
    assert p.c0 == 6


def test_run_params_take_the_schema_types_and_defaults():
    p = mc.run_params(L=np.int64(12), U=1, seed=0, t_max=5, chi_max=16.0)
    assert (type(p.L), type(p.U), type(p.t_max), type(p.chi_max)) == (int, float, float, int)
    assert p.t_max == 5.0 and p.chi_max == 16
    schema = mc.load_schema()
    assert p.W == schema["properties"]["model"]["properties"]["W"]["default"]
    assert p.order == schema["properties"]["numerics"]["properties"]["order"]["default"]


def test_partial_settings_are_checked_only_among_the_keys_given():
    """A rule that receives analysis.t_ent but not numerics.t_max (fit_entanglement) is not
    checked against the default t_max; a whole config is."""
    with pytest.raises(mc.ConfigError, match="'analysis.t_ent': exceeds numerics.t_max"):
        mc.validate_config({"analysis": {"t_ent": 130.0}})
    cfg = mc.validate_config({"analysis": {"t_ent": 130.0}}, partial=True)
    assert cfg["analysis"]["t_ent"] == 130.0 and cfg["numerics"]["t_max"] == 20.0
    with pytest.raises(mc.ConfigError, match="'analysis.t_ent': exceeds numerics.t_max"):
        mc.validate_config({"analysis": {"t_ent": 30.0}, "numerics": {"t_max": 20}}, partial=True)
    with pytest.raises(mc.ConfigError, match="'analysis.t_ent'"):  # the schema still applies
        mc.validate_config({"analysis": {"t_ent": -1.0}}, partial=True)


def test_yaml_syntax_error_names_file_line_and_column(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("model:\n  W: 6.5\nsweep: {L: [12, 18}\n")
    with pytest.raises(mc.ConfigError, match=rf"config file {bad}, line 3, column 19: not valid"):
        mc.load_config(bad)
    (tmp_path / "list.yaml").write_text("- 1\n")
    with pytest.raises(mc.ConfigError, match="expected keys at the top level"):
        mc.load_config(tmp_path / "list.yaml")


def test_unknown_key_is_named_with_the_keys_allowed_there():
    with pytest.raises(mc.ConfigError) as exc:
        mc.validate_config({"numerics": {"chi_mx": 64}})
    msg = str(exc.value)
    assert msg.startswith("config key 'numerics.chi_mx': unknown key (allowed here: chi_max,")
    assert msg.endswith("did you mean 'chi_max'?") and "\n" not in msg and "schema" not in msg


def test_integer_sizes_in_chi_max_per_L_are_accepted(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("sweep: {L: [12, 24]}\nnumerics: {chi_max_per_L: {24: 128}}\n")
    loaded = mc.load_config(cfg)
    assert loaded["numerics"]["chi_max_per_L"] == {"24": 128}
    assert mc.chi_max_for(loaded, 24) == 128 and mc.chi_max_for(loaded, 12) == 64
    with pytest.raises(mc.ConfigError, match="'numerics.chi_max_per_L.x': not a size"):
        mc.validate_config({"numerics": {"chi_max_per_L": {"x": 3}}})


def test_config_files_merge_as_snakemake_merges_them(tmp_path):
    base, over = tmp_path / "base.yaml", tmp_path / "over.yaml"
    base.write_text("sweep: {L: [12, 18], n_seeds: 4}\nnumerics: {chi_max: 128, order: 2}\n")
    over.write_text("sweep: {L: [24]}\nnumerics: {chi_max_per_L: {24: 96}}\n")
    cfg = mc.load_configs([over], base=base)
    assert cfg["sweep"]["L"] == [24] and cfg["sweep"]["n_seeds"] == 4  # lists replaced
    assert cfg["numerics"]["chi_max"] == 128 and cfg["numerics"]["chi_max_per_L"] == {"24": 96}
    from snakemake.utils import update_config

    raw = mc.read_config_file(base)
    update_config(raw, mc.read_config_file(over))
    assert mc.merge_configs(mc.read_config_file(base), mc.read_config_file(over)) == raw


@pytest.mark.parametrize("L", [9, 15, 21])
def test_sizes_whose_centre_holds_a_d_boson_are_accepted(L):
    """Their default c-boson site is the empty site next to the centre (no doublon)."""
    cfg = mc.validate_config({"sweep": {"L": [L]}})
    assert cfg["sweep"]["L"] == [L] and mc.run_params(L=L, U=1.0, seed=0).c0 == L // 2 - 1


def test_model_folder_names_every_x_path_key():
    cfg = mc.validate_config({"model": {"W": 5, "c_site": 4}, "master_seed": 7})
    name = mc.model_for(cfg)
    assert name == "W5_td1_tc1_r1_c4_ms7"
    import re

    assert re.fullmatch(mc.model_regex(), name)
    assert mc.model_for(mc.validate_config({})) == "W6.5_td1_tc1_r1_cmid_ms20220711"
    p = mc.run_params(L=12, U=1.0, seed=0, W=5, c_site=4, master_seed=7)
    assert p.model_folder == name


def test_rule_config_hash_changes_exactly_with_the_keys_the_rule_uses():
    """The hash every rule passes as --config-hash; for a fit it is what the fit records."""
    import copy
    import json

    cfg = mc.validate_config({"sweep": {"L": [12]}, "numerics": {"chi_max": 32}})
    for rule in ("fit_nc", "criterion"):
        settings = mc.validate_config(json.loads(mc.rule_settings(cfg, rule)), partial=True)
        assert mc.rule_config_hash(cfg, rule) == mc.config_hash(settings)
    other = copy.deepcopy(cfg)
    other["analysis"]["t_ent"] = 3.0
    other["sweep"]["n_seeds"] += 1
    for rule in ("tebd", "exact", "sample_disorder"):
        assert mc.rule_config_hash(other, rule) == mc.rule_config_hash(cfg, rule), rule
    other["numerics"]["chi_max"] *= 2
    assert mc.rule_config_hash(other, "tebd") != mc.rule_config_hash(cfg, "tebd")
    assert mc.rule_config_hash(other, "exact") == mc.rule_config_hash(cfg, "exact")
    assert mc.rule_config_hash(cfg, "tebd", "exact") == mc.rule_config_hash(cfg, "tebd")

def _figure_rule_inputs(kinds):
    inputs = figure_inputs()
    return {k: inputs[k] for k in kinds if inputs[k]}


FIGURE_KINDS = {
    "fig1": ("agg", "nc_fit", "lc_fit"),
    "fig2": ("agg", "nc_fit", "lc_fit", "ent_fit"),
    "fig3": ("agg", "ld_fit"),
    "fig4": ("agg", "nc_fit", "ent_fit"),
    "criterion": ("criterion",),
    "validation": ("validation",),
}


for _name, _kinds in FIGURE_KINDS.items():

    rule:
        name:
            f"figure_{_name}"
        input:
            **_figure_rule_inputs(_kinds),
        output:
            pdf=report(f"results/figures/{_name}.pdf", caption=f"../report/{_name}.rst", category="Figures"),
            png=f"results/figures/{_name}.png",
        log:
            f"logs/figure_{_name}/{_name}.log",
        benchmark:
            f"benchmarks/figure_{_name}/{_name}.tsv"
        params:
            name=_name,
            settings=settings_json(f"figure_{_name}"),
            inputs=lambda wc, input: input_flags({k: list(input[k]) for k in input.keys()}),
            code=code("figure"),
        threads: 1
        conda:
            "../../envs/figures.yaml"
        shell:
            "mblbath figure {params.name} --settings {params.settings:q} {params.inputs}"
            " --out-pdf {output.pdf} --out-png {output.png} 2> {log}"

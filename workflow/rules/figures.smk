def _figure_rule_inputs(kinds):
    inputs = figure_inputs()
    return {k: inputs[k] for k in kinds if inputs[k]}


# How `snakemake --report` shows each figure: its category and its name there; the PNG is
# the image, the PDF the same figure alongside (a toggle between the two).
FIGURE_REPORT = {
    "fig1": ("2. Figures of the paper", "Fig. 1: c-boson density, ℓ_c(t)"),
    "fig2": ("2. Figures of the paper", "Fig. 2: dependence on U"),
    "fig3": ("2. Figures of the paper", "Fig. 3: d-boson memory, ℓ_d"),
    "fig4": ("2. Figures of the paper", "Fig. 4: entanglement"),
    "criterion": ("3. Criterion and validation", "Criterion, Eq. (2)"),
    "validation": ("3. Criterion and validation", "Validation: TEBD vs exact"),
}


def _figure_report(name, ext):
    category, label = FIGURE_REPORT[name]
    fmt = {"png": "image (PNG)", "pdf": "vector (PDF)"}[ext]
    return report(
        f"results/figures/{name}.{ext}",
        caption=f"../report/{name}.rst",
        category=category,
        labels={"figure": label, "format": fmt},
    )


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
            pdf=_figure_report(_name, "pdf"),
            png=_figure_report(_name, "png"),
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
            "python -m mblbath figure {params.name} --settings {params.settings:q} {params.inputs}"
            " --out-pdf {output.pdf} --out-png {output.png} 2> {log}"

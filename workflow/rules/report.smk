rule claims:
    input:
        **{k: v for k, v in figure_inputs().items() if v},
    output:
        md="results/report/claims.md",
        # The table as an HTML page in `snakemake --report`, and the verdict counts and
        # provenance that the report's first page shows (workflow/report/workflow.rst).
        html=report(
            "results/report/claims.html",
            caption="../report/claims.rst",
            category="1. Claims of the paper",
            labels={"table": "claims: paper vs measured"},
        ),
        summary="results/report/summary.html",
    log:
        "logs/claims/claims.log",
    benchmark:
        "benchmarks/claims/claims.tsv"
    params:
        settings=settings_json("claims"),
        inputs=lambda wc, input: input_flags({k: list(input[k]) for k in input.keys()}),
        code=code("report"),
    threads: 1
    conda:
        "../../envs/analysis.yaml"
    shell:
        "python -m mblbath report --settings {params.settings:q} {params.inputs} --out {output.md}"
        " --out-html {output.html} --out-summary {output.summary} 2> {log}"

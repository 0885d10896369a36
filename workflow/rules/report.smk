rule claims:
    input:
        **{k: v for k, v in figure_inputs().items() if v},
    output:
        md=report("results/report/claims.md", caption="../report/claims.rst", category="Claims"),
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
        "../../envs/figures.yaml"
    shell:
        "mblbath report --settings {params.settings:q} {params.inputs} --out {output.md} 2> {log}"

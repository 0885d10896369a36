rule fit_nc:
    input:
        agg=rules.aggregate.output.nc,
    output:
        nc="results/fits/{model}/{numerics}/L{L}/nc_profile.nc",
    log:
        "logs/fit_nc/{model}/{numerics}/L{L}.log",
    benchmark:
        "benchmarks/fit_nc/{model}/{numerics}/L{L}.tsv"
    params:
        settings=settings_json("fit_nc"),
        code=code("fit"),
    threads: 1
    conda:
        "../../envs/analysis.yaml"
    shell:
        "python -m mblbath fit nc --settings {params.settings:q} --agg {input.agg} --out {output.nc} 2> {log}"


rule fit_lc:
    input:
        nc_fit=rules.fit_nc.output.nc,
    output:
        nc="results/fits/{model}/{numerics}/L{L}/xi_c.nc",
    log:
        "logs/fit_lc/{model}/{numerics}/L{L}.log",
    benchmark:
        "benchmarks/fit_lc/{model}/{numerics}/L{L}.tsv"
    params:
        settings=settings_json("fit_lc"),
        code=code("fit"),
    threads: 1
    conda:
        "../../envs/analysis.yaml"
    shell:
        "python -m mblbath fit lc --settings {params.settings:q} --nc-fit {input.nc_fit} --out {output.nc} 2> {log}"


rule fit_ld:
    input:
        agg=rules.aggregate.output.nc,
    output:
        nc="results/fits/{model}/{numerics}/L{L}/ell_d.nc",
    log:
        "logs/fit_ld/{model}/{numerics}/L{L}.log",
    benchmark:
        "benchmarks/fit_ld/{model}/{numerics}/L{L}.tsv"
    params:
        settings=settings_json("fit_ld"),
        code=code("fit"),
    threads: 1
    conda:
        "../../envs/analysis.yaml"
    shell:
        "python -m mblbath fit ld --settings {params.settings:q} --agg {input.agg} --out {output.nc} 2> {log}"


rule fit_entanglement:
    input:
        agg=rules.aggregate.output.nc,
        nc_fit=rules.fit_nc.output.nc,
    output:
        nc="results/fits/{model}/{numerics}/L{L}/entanglement.nc",
    log:
        "logs/fit_entanglement/{model}/{numerics}/L{L}.log",
    benchmark:
        "benchmarks/fit_entanglement/{model}/{numerics}/L{L}.tsv"
    params:
        settings=settings_json("fit_entanglement"),
        code=code("fit"),
    threads: 1
    conda:
        "../../envs/analysis.yaml"
    shell:
        "python -m mblbath fit entanglement --settings {params.settings:q} --agg {input.agg}"
        " --nc-fit {input.nc_fit} --out {output.nc} 2> {log}"


rule criterion:
    output:
        nc="results/fits/criterion.nc",
    log:
        "logs/criterion/criterion.log",
    benchmark:
        "benchmarks/criterion/criterion.tsv"
    params:
        settings=settings_json("criterion"),
        code=code("fit"),
    threads: 1
    conda:
        "../../envs/analysis.yaml"
    shell:
        "python -m mblbath fit criterion --settings {params.settings:q} --out {output.nc} 2> {log}"


rule choices:
    output:
        nc="results/fits/choices.nc",
    log:
        "logs/choices/choices.log",
    benchmark:
        "benchmarks/choices/choices.tsv"
    params:
        settings=settings_json("choices"),
        code=code("fit"),
    threads: 1
    conda:
        "../../envs/analysis.yaml"
    shell:
        "python -m mblbath fit choices --settings {params.settings:q} --out {output.nc} 2> {log}"

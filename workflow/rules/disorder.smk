rule sample_disorder:
    output:
        nc="results/disorder/{model}/L{L}/seed{seed}.nc",
    log:
        "logs/sample_disorder/{model}/L{L}/seed{seed}.log",
    benchmark:
        "benchmarks/sample_disorder/{model}/L{L}/seed{seed}.tsv"
    params:
        # {name: value} of the keys this rule uses (x-used-by), named in the command below.
        **mc.rule_params(config, "sample_disorder"),
        model=check_model,
        code=code("disorder"),
        config_hash=mc.rule_config_hash(config, "sample_disorder"),
    threads: 1
    conda:
        "../../envs/simulate.yaml"
    shell:
        "python -m mblbath disorder --L {wildcards.L} --seeds {wildcards.seed} --W {params.W}"
        " --master-seed {params.master_seed} --config-hash {params.config_hash}"
        " --out {output.nc} 2> {log}"


rule collect_disorder:
    input:
        seeds=lambda wc: expand(rules.sample_disorder.output.nc, model=wc.model, L=wc.L, seed=SEEDS),
    output:
        nc="results/disorder/{model}/L{L}.nc",
    log:
        "logs/collect_disorder/{model}/L{L}.log",
    benchmark:
        "benchmarks/collect_disorder/{model}/L{L}.tsv"
    params:
        code=code("disorder"),
        config_hash=mc.rule_config_hash(config, "sample_disorder"),
    threads: 1
    conda:
        "../../envs/simulate.yaml"
    shell:
        "python -m mblbath disorder --merge {input.seeds} --L {wildcards.L}"
        " --config-hash {params.config_hash} --out {output.nc} 2> {log}"

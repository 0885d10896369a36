# After failed jobs: build what the runs that exist allow (mblbath.jobs.partial explains why this
# is a second Snakemake pass: Snakemake has no optional inputs).


onerror:
    from snakemake.logging import logger
    from mblbath.jobs.partial import run_partial_pass

    run_files = all_run_files()
    present = set(existing(run_files))
    run_partial_pass(
        [p for p in run_files if p not in present],
        present=len(present),
        enabled=config["execution"]["partial_on_failure"],
        keep_going=workflow.execution_settings.keep_going,
        say=logger.warning,
    )

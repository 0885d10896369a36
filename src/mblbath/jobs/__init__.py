"""Job-level machinery, apart from the physics: what a run costs and how it is scheduled.

- :mod:`~mblbath.jobs.cost`: the cost model of a TEBD run (time per step, memory);
- :mod:`~mblbath.jobs.runcost`: the cost of a run from its chi(t, b), step by step;
- :mod:`~mblbath.jobs.records`: the finished runs of a checkout (run files + benchmarks);
- :mod:`~mblbath.jobs.growth`: how chi grows, learned from those runs per (model, U);
- :mod:`~mblbath.jobs.expected`: a config's expected cost under that chi(t) model;
- :mod:`~mblbath.jobs.calibrate`, :mod:`~mblbath.jobs.calibrate_run`,
  :mod:`~mblbath.jobs.calibrate_cli`, :mod:`~mblbath.jobs.calibration`: ``mblbath
  calibrate`` -- the cost coefficients refitted to this machine's runs, tested on held-out
  runs, kept in ``results/calibration/<machine>.json``;
- :mod:`~mblbath.jobs.slurm`: the SLURM requests, walltime signal and retries built on it;
- :mod:`~mblbath.jobs.estimate`: the table ``mblbath estimate`` prints;
- :mod:`~mblbath.jobs.partial`: the partial Snakemake pass after failed runs;
- :mod:`~mblbath.jobs.capacity`: warnings when a plan exceeds what the profile delivers;
- :mod:`~mblbath.jobs.damaged`: damaged results moved aside when the DAG is built;
- :mod:`~mblbath.jobs.fingerprint`: the code fingerprint of each rule's command.

Nothing here is imported by the physics; the workflow (``workflow/rules/*.smk``) and the
CLI import the submodules directly.
"""

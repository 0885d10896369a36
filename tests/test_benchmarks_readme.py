"""benchmarks/README.md's tables are written only by `python -m benchmarks readme`."""

from benchmarks.readme import BEGIN, END, render, update_readme


def _bench(results, name, summary, rows):
    (results / f"{name}.txt").write_text(f"[{name}] {summary}\n")
    head = "x,measured_utc,git_commit,machine\n"
    (results / f"{name}.csv").write_text(
        head + "".join(f"{r},{r}Z,c0ffee{r},box {r}\n" for r in rows)
    )


def test_render_puts_each_summary_with_its_command_and_last_row(tmp_path):
    _bench(tmp_path, "blas_fraction", "82 % in BLAS at chi 256", [1, 2])
    (tmp_path / "blas_fraction.md").write_text("| chi | share |\n|---|---|\n| 256 | 82 % |")
    text = render(tmp_path, {"blas_fraction": "python -m benchmarks.perf blas", "qr": "qr cmd"})
    row = next(line for line in text.splitlines() if line.startswith("| blas_fraction"))
    assert "82 % in BLAS at chi 256" in row and "`python -m benchmarks.perf blas`" in row
    assert "box 2" in row and "c0ffee2" in row and "2Z" in row  # the last row's provenance
    assert "Not measured in this table: `qr cmd`." in text
    assert "| 256 | 82 % |" in text  # the detailed table
    assert text.startswith(BEGIN) and text.endswith(END)


def test_update_keeps_the_prose_around_the_markers(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"# B\n\nprose before\n\n{BEGIN}\nold numbers\n{END}\n\nprose after\n")
    _bench(tmp_path, "info", "2 cores", [1])
    new = update_readme(readme, tmp_path)
    assert "prose before" in new and "prose after" in new
    assert "old numbers" not in new and "2 cores" in new
    assert new.count(BEGIN) == 1 and new.count(END) == 1

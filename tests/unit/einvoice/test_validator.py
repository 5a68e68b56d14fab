"""The validator itself: our schematron interpreter on a schema of our own (semantics), then on
the official sample files (valid ones pass with 0 errors, the known-invalid ones fail with
their rule ids), and the `dealchat einvoice --validate` command."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.einvoice.check import EInvoiceValidator
from bot.einvoice.schematron import Schematron

SCH = """<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt2">
  <ns prefix="x" uri="urn:x"/>
  <pattern id="abstract-one" abstract="true">
    <rule context="$line">
      <assert id="A-1" flag="fatal" test="$positive">[A-1] line <value-of select="@n"/> must be
        positive, is <value-of select="."/></assert>
    </rule>
  </pattern>
  <pattern id="lines" is-a="abstract-one">
    <param name="line" value="x:line"/>
    <param name="positive" value="xs:decimal(.) &gt; $zero"/>
  </pattern>
  <pattern id="first-rule-wins">
    <let name="zero" value="0"/>
    <rule context="x:line[@n = '1']">
      <report id="R-1" flag="warning" test="true()">first line seen by rule 1</report>
    </rule>
    <rule context="x:line">
      <let name="twice" value="xs:decimal(.) * 2"/>
      <assert id="R-2" flag="error" test="$twice &lt; 10">line <value-of select="@n"/>: twice
        is <value-of select="$twice"/></assert>
    </rule>
    <rule context="/x:doc">
      <assert id="R-3" test="count(//x:line) = 3">three lines</assert>
    </rule>
  </pattern>
</schema>"""


def test_interpreter_semantics(tmp_path: Path) -> None:
    path = tmp_path / "own.sch"
    path.write_text(SCH.replace("$zero", "0"), encoding="utf-8")
    schema = Schematron(path)
    doc = b'<doc xmlns="urn:x"><line n="1">7</line><line n="2">-1</line><line n="3">6</line></doc>'
    result = schema.validate(doc)
    found = [(f.rule_id, f.flag, f.text) for f in result.findings]
    assert found == [
        ("A-1", "fatal", "[A-1] line 2 must be positive, is -1"),
        # rule 1 takes line 1 (a report fires), so rule 2 never sees it: 7 x 2 = 14 passes.
        ("R-1", "warning", "first line seen by rule 1"),
        ("R-2", "error", "line 3: twice is 12"),
    ]
    assert [f.rule_id for f in result.errors] == ["A-1", "R-2"]
    assert not result.valid
    assert result.findings[0].location.endswith("line[2]")
    ok = schema.validate(b'<doc xmlns="urn:x"><line n="1">1</line><line n="2">2</line>'
                         b'<line n="3">3</line></doc>')
    assert [f.rule_id for f in ok.findings] == ["R-1"] and ok.valid


def _samples(validator: EInvoiceValidator, folder: str) -> list[Path]:
    paths = sorted((validator.rules_dir / "samples" / folder).glob("*.xml"))
    assert paths, f"no samples in {folder}"
    return paths


def test_valid_cius_ro_samples_pass(validator: EInvoiceValidator) -> None:
    paths = [p for p in _samples(validator, "ro-ubl")
             if p.name.startswith("ubl_b2g_example") and p.name != "ubl_b2g_example6.xml"]
    assert len(paths) == 10
    for path in paths:
        report = validator.validate(path.read_bytes())
        assert report.errors == (), (path.name, report.error_ids)


def test_known_invalid_example6_fails_with_its_rules(validator: EInvoiceValidator) -> None:
    path = validator.rules_dir / "samples" / "ro-ubl" / "ubl_b2g_example6.xml"
    report = validator.validate(path.read_bytes())
    assert sorted(set(report.error_ids)) == ["BR-RO-111", "BR-RO-170", "BR-S-08"]


def test_anaf_examples_fail_only_on_their_older_customization_id(
        validator: EInvoiceValidator) -> None:
    # ANAF's own examples declare CIUS-RO 1.0.0; rules 1.0.9 require ...:CIUS-RO:1.0.1.
    for name in ("anaf_eInvoice_ex.xml", "anaf_creditNote_ex.xml"):
        xml = (validator.rules_dir / "samples" / "ro-ubl" / name).read_bytes()
        assert b"CIUS-RO:1.0.0" in xml
        assert validator.validate(xml).error_ids == ["BR-RO-001"]
        fixed = xml.replace(b"CIUS-RO:1.0.0", b"CIUS-RO:1.0.1")
        assert validator.validate(fixed).errors == ()


def test_cii_samples_pass_both_schemas(validator: EInvoiceValidator) -> None:
    for path in _samples(validator, "cii") + _samples(validator, "facturx"):
        report = validator.validate(path.read_bytes())
        assert report.kind == "cii"
        assert report.errors == (), (path.name, report.findings)


def test_xsd_errors_are_reported_before_rules(validator: EInvoiceValidator) -> None:
    path = validator.rules_dir / "samples" / "ro-ubl" / "ubl_b2g_example3.xml"
    broken = path.read_bytes().replace(b"<cbc:IssueDate>", b"<cbc:IssueDate>x", 1)
    report = validator.validate(broken)
    assert report.error_ids == ["XSD"]
    assert "IssueDate" in report.errors[0].text


def test_cli_validate(validator: EInvoiceValidator, tmp_path: Path,
                      capsys: pytest.CaptureFixture[str],
                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EFACTURA_RULES_DIR", str(validator.rules_dir))
    good = validator.rules_dir / "samples" / "ro-ubl" / "ubl_b2g_example3.xml"
    assert main(["einvoice", "--validate", str(good)]) == 0
    out = capsys.readouterr().out
    assert "valid" in out and "BR-" not in out
    bad = validator.rules_dir / "samples" / "ro-ubl" / "ubl_b2g_example6.xml"
    assert main(["einvoice", "--validate", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "BR-RO-111" in out and "BR-S-08" in out
    assert "Buyer's country subdivision (BT-54)" in out
    missing = tmp_path / "none.xml"
    assert main(["einvoice", "--validate", str(missing)]) == 2

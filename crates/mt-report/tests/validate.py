#!/usr/bin/env python3
"""Check report files with real parsers and print what was found as JSON.

  validate.py junit FILE XSD   validate against the XSD (xmlschema), re-read with
                               junitparser, check the suite counters against the cases
  validate.py html FILE...     parse with html.parser; check tags balance and that
                               every relative link points at an existing file
  validate.py ods FILE         open the zip, check the ODF container rules, parse
                               content.xml and return the sheets as lists of rows

Exit status 0 with JSON on stdout when the file is good, 1 with a message otherwise.
"""

import json
import os
import sys
import urllib.parse
import zipfile
import xml.etree.ElementTree as ET
from html.parser import HTMLParser


def fail(msg):
    print(msg, file=sys.stderr)
    sys.exit(1)


def check_junit(path, xsd):
    import xmlschema
    import junitparser

    schema = xmlschema.XMLSchema(xsd)
    errors = [str(e) for e in schema.iter_errors(path)]
    if errors:
        fail("schema errors:\n" + "\n".join(errors[:5]))
    # The counters as written (junitparser recomputes them while iterating, so they
    # are read from the raw document).
    root = ET.parse(path).getroot()
    declared = []
    for el in root.iter("testsuite"):
        declared.append({k: int(el.get(k, "0")) for k in ("tests", "failures", "errors", "skipped")})
    xml = junitparser.JUnitXml.fromfile(path)
    suites = []
    for idx, suite in enumerate(xml):
        cases = []
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for case in suite:
            counts["tests"] += 1
            kinds = [type(r).__name__ for r in case.result]
            if "Failure" in kinds:
                res = "failure"
                counts["failures"] += 1
            elif "Error" in kinds:
                res = "error"
                counts["errors"] += 1
            elif "Skipped" in kinds:
                res = "skipped"
                counts["skipped"] += 1
            else:
                res = "passed"
            cases.append({
                "name": case.name,
                "classname": case.classname,
                "result": res,
                "message": case.result[0].message if case.result else None,
                "system_out": case.system_out,
            })
        for key, n in counts.items():
            if declared[idx][key] != n:
                fail("suite %s: %s=%s but the cases say %s" % (suite.name, key, declared[idx][key], n))
        props = {p.name: p.value for p in suite.properties()}
        suites.append({"name": suite.name, "tests": counts["tests"], "properties": props, "cases": cases})
    if root.tag == "testsuites":
        for key in ("tests", "failures", "errors", "skipped"):
            if key in root.attrib and int(root.get(key)) != sum(d[key] for d in declared):
                fail("testsuites: %s=%s is not the sum of its suites" % (key, root.get(key)))
    return {"suites": suites}


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Checker(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []
        self.problems = []
        self.links = []
        self.title = ""
        self.in_title = False
        self.tds = 0

    def handle_starttag(self, tag, attrs):
        if tag == "td":
            self.tds += 1
        if tag == "title":
            self.in_title = True
        for k, v in attrs:
            if k == "href" and v is not None:
                self.links.append(v)
        if tag not in VOID:
            self.stack.append((tag, self.getpos()))

    def handle_startendtag(self, tag, attrs):
        for k, v in attrs:
            if k == "href" and v is not None:
                self.links.append(v)

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = False
        if tag in VOID:
            return
        if not self.stack:
            self.problems.append("stray </%s> at %s" % (tag, self.getpos()))
            return
        top, pos = self.stack.pop()
        if top != tag:
            self.problems.append("</%s> at %s closes <%s> from %s" % (tag, self.getpos(), top, pos))

    def handle_data(self, data):
        if self.in_title:
            self.title += data


def check_html(paths):
    pages = {}
    for path in paths:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        if not text.startswith("<!DOCTYPE html>"):
            fail("%s: no doctype" % path)
        c = Checker()
        c.feed(text)
        c.close()
        if c.stack:
            c.problems.append("unclosed: %s" % c.stack)
        if c.problems:
            fail("%s: %s" % (path, "; ".join(c.problems[:5])))
        broken = []
        for link in c.links:
            u = urllib.parse.urlsplit(link)
            if u.scheme or link.startswith("/") or link.startswith("#"):
                continue
            target = os.path.normpath(os.path.join(os.path.dirname(path), urllib.parse.unquote(u.path)))
            if not os.path.exists(target):
                broken.append(link)
        pages[path] = {"title": c.title, "links": c.links, "broken": broken, "cells": c.tds}
    return {"pages": pages}


def check_ods(path):
    ns = {
        "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
        "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
        "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    }
    with zipfile.ZipFile(path) as z:
        bad = z.testzip()
        if bad is not None:
            fail("%s: CRC error in %s" % (path, bad))
        infos = z.infolist()
        if infos[0].filename != "mimetype" or infos[0].compress_type != zipfile.ZIP_STORED:
            fail("mimetype must be the first entry, stored")
        mime = z.read("mimetype").decode()
        if mime != "application/vnd.oasis.opendocument.spreadsheet":
            fail("mimetype is %r" % mime)
        names = [i.filename for i in infos]
        for part in ("META-INF/manifest.xml", "content.xml", "styles.xml", "meta.xml"):
            if part not in names:
                fail("missing %s" % part)
            ET.fromstring(z.read(part))
        root = ET.fromstring(z.read("content.xml"))
    sheets = []
    for t in root.iter("{%s}table" % ns["table"]):
        rows = []
        for r in t.findall("table:table-row", ns):
            row = []
            for c in r.findall("table:table-cell", ns):
                vt = c.get("{%s}value-type" % ns["office"])
                if vt == "float":
                    row.append(float(c.get("{%s}value" % ns["office"])))
                else:
                    row.append("\n".join("".join(p.itertext()) for p in c.findall("text:p", ns)))
            rows.append(row)
        sheets.append({"name": t.get("{%s}name" % ns["table"]), "rows": rows})
    return {"mimetype": mime, "sheets": sheets}


def main():
    if len(sys.argv) < 3:
        fail(__doc__)
    kind = sys.argv[1]
    if kind == "junit":
        out = check_junit(sys.argv[2], sys.argv[3])
    elif kind == "html":
        out = check_html(sys.argv[2:])
    elif kind == "ods":
        out = check_ods(sys.argv[2])
    else:
        fail("unknown check %s" % kind)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()

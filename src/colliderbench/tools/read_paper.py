"""read-paper: a PDF's text page by page (pdfplumber), term search, pages rendered to PNG (pypdfium2)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from colliderbench.errors import UserError
from colliderbench.tools._common import ArgParser, cli_entry, print_json, run_tool

TOOL = "read-paper"
_CAPTION = re.compile(r"^\s*(Figure|Table)\s+(\d+)\s*[:.]\s*(.*)$")


def parse_pages(spec: str | None, total: int) -> list[int]:
    """``"1,3-5"`` -> [1, 3, 4, 5]; every page when ``spec`` is None; UserError when malformed."""
    if spec is None:
        return list(range(1, total + 1))
    pages: list[int] = []
    for part in spec.split(","):
        m = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", part)
        if m is None:
            raise UserError(f"bad --pages {spec!r}: use forms like 3, 3-5 or 1,4,7-9")
        lo = int(m.group(1))
        hi = int(m.group(2) or lo)
        if lo < 1 or hi < lo or hi > total:
            raise UserError(f"--pages {spec!r} is outside the document's 1-{total} pages")
        pages += [p for p in range(lo, hi + 1) if p not in pages]
    return pages


def _open(path: Path):  # noqa: ANN202 (pdfplumber.PDF)
    import pdfplumber
    from pdfminer.pdfparser import PDFSyntaxError

    if not path.is_file():
        raise UserError(f"no such file: {path}")
    try:
        return pdfplumber.open(path)
    except (PDFSyntaxError, Exception) as exc:  # pdfminer raises assorted errors on non-PDFs
        raise UserError(f"{path} is not a readable PDF ({exc.__class__.__name__})") from None


def page_texts(path: Path, pages: list[int] | None = None) -> dict[int, str]:
    """Text of the given pages (1-based; all when None)."""
    with _open(path) as pdf:
        wanted = pages or list(range(1, len(pdf.pages) + 1))
        # a tolerance below pdfplumber's default keeps the narrow word gaps of LaTeX papers
        return {p: pdf.pages[p - 1].extract_text(x_tolerance=1.5) or "" for p in wanted}


def guess_title(first_page: str) -> str:
    """The title of a CERN preprint: the lines between the report number and the author line."""
    lines = [ln.strip() for ln in first_page.splitlines() if ln.strip()]
    start = next(
        (i + 1 for i, ln in enumerate(lines) if re.match(r"^[A-Z]+-[A-Z]+-\d\d-\d+$", ln)), 0
    )
    end = next(
        (
            i
            for i, ln in enumerate(lines)
            if i >= start and re.search(r"Collaboration|Abstract", ln)
        ),
        min(len(lines), start + 3),
    )
    return " ".join(lines[start:end])


def captions(texts: dict[int, str]) -> list[dict[str, object]]:
    """Figure and table captions ("Figure 3: ...") with their pages."""
    out: list[dict[str, object]] = []
    for page, text in texts.items():
        for line in text.splitlines():
            m = _CAPTION.match(line)
            if m:
                out.append({"page": page, "caption": line.strip()})
    return out


def render_pages(path: Path, pages: list[int], outdir: Path, dpi: int) -> list[Path]:
    """Render pages to ``outdir/page-NNN.png``."""
    import pypdfium2 as pdfium

    outdir.mkdir(parents=True, exist_ok=True)
    doc = pdfium.PdfDocument(str(path))
    written: list[Path] = []
    try:
        for p in pages:
            image = doc[p - 1].render(scale=dpi / 72.0).to_pil()
            target = outdir / f"page-{p:03d}.png"
            image.save(target)
            written.append(target)
    finally:
        doc.close()
    return written


def _body(argv: list[str]) -> int:
    parser = ArgParser(
        prog=TOOL,
        description="Print a PDF's text page by page, find terms, render pages to PNG. "
        "Full manual: read-paper --doc",
    )
    parser.add_argument("pdf", type=Path, help="the PDF, e.g. papers/CMS-SUS-16-046.pdf")
    parser.add_argument("--pages", help="pages, 1-based: 3, 3-5, 1,4,7-9 (default: all)")
    parser.add_argument(
        "--find", metavar="TEXT", help="list lines containing TEXT with their pages"
    )
    parser.add_argument(
        "--figures", metavar="DIR", type=Path, help="render pages to DIR/page-NNN.png"
    )
    parser.add_argument("--dpi", type=int, default=110, help="PNG resolution (default 110)")
    parser.add_argument("--info", action="store_true", help="title, page count, captions")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    args = parser.parse_args(argv)
    if not 20 <= args.dpi <= 600:
        parser.error("--dpi must be between 20 and 600")
    if args.figures is not None and args.figures.exists() and not args.figures.is_dir():
        parser.error(f"--figures {args.figures} is a file, not a folder")

    with _open(args.pdf) as pdf:
        total = len(pdf.pages)
    pages = parse_pages(args.pages, total)
    result: dict[str, object] = {"file": str(args.pdf), "pages": total}
    lines: list[str] = []

    if args.info:
        texts = page_texts(args.pdf)
        title = guess_title(texts[1])
        caps = captions(texts)
        result |= {"title": title, "captions": caps}
        lines += [f"{args.pdf}: {total} pages", f"title: {title}", ""]
        lines += [f"p.{c['page']:>3}  {str(c['caption'])[:110]}" for c in caps]
    elif args.find:
        needle = args.find.lower()
        texts = page_texts(args.pdf, pages)
        matches = [
            {"page": p, "line": ln.strip()}
            for p, t in texts.items()
            for ln in t.splitlines()
            if needle in ln.lower()
        ]
        result["matches"] = matches
        lines += [f"p.{m['page']:>3}  {m['line']}" for m in matches]
        if not matches:
            lines.append(f"no line contains {args.find!r}")
    elif args.figures is None:
        texts = page_texts(args.pdf, pages)
        result["text"] = [{"page": p, "text": t} for p, t in texts.items()]
        for p, t in texts.items():
            lines += [f"===== page {p} / {total} =====", t, ""]

    if args.figures is not None:
        if args.pages is None:
            caps = captions(page_texts(args.pdf))
            fig_pages = sorted(
                {int(str(c["page"])) for c in caps if str(c["caption"]).startswith("Fig")}
            )
        else:
            fig_pages = pages
        written = render_pages(args.pdf, fig_pages, args.figures, args.dpi)
        result["images"] = [str(w) for w in written]
        lines += [f"wrote {w}" for w in written] or ["no page with a figure caption"]

    if args.json:
        print_json(result)
    else:
        sys.stdout.write("\n".join(lines) + "\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point: ``read-paper ARGS``."""
    return run_tool(TOOL, argv, _body)


if __name__ == "__main__":
    cli_entry(TOOL, _body)

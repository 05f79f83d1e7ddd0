package report

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	"deputybot"
	"deputybot/texts"
)

// The annual report as a Word document (.docx) the office can edit and
// print. No Go library for writing WordprocessingML is both maintained and
// established (baliance/gooxml is archived, gomutex/godocx unmaintained,
// its forks and the newer ones months old), and a report needs only
// paragraphs, headings and one table, so the package is written here with
// archive/zip and encoding/xml.
//
// The layout is the usual one for government documents (GB/T 9704-2012):
// A4; margins 37 mm top, 35 mm bottom, 28 mm left, 26 mm right; the title
// in 小标宋 二号 (22 pt), centred; body text in 仿宋 三号 (16 pt) at a fixed
// 28.95 pt line, first line indented two characters; first-level headings
// in 黑体, second-level in 楷体; page numbers "— 1 —" at the foot. English
// documents use Times New Roman at 12 pt in the same layout.

type blockKind int

const (
	blockTitle    blockKind = iota
	blockCentered           // a line under the title
	blockPlain              // a paragraph without indent
	blockHeading            // numbered: 一、（一）1.（1）
	blockPara
	blockDraft // a paragraph for the office to edit: highlighted
	blockItem
	blockTable
)

// block is one part of a document kept for the Word writer.
type block struct {
	kind  blockKind
	level int // headings: 1 一、, 2 （一）, 3 1., 4 （1）
	text  string
	rows  [][]string // tables: the header row first
}

// AnnualDocx writes the report to the congress on year as a Word
// document.
func AnnualDocx(tx *texts.Texts, in deputybot.Snapshot, year int, l deputybot.Language, w io.Writer) error {
	return versionDocx(tx, in, year, l, Congress, w)
}

// AnnexDocx writes the annex of the year's departments' figures as a
// Word document, on landscape pages (its table is wide).
func AnnexDocx(tx *texts.Texts, in deputybot.Snapshot, year int, l deputybot.Language, w io.Writer) error {
	return versionDocx(tx, in, year, l, Annex, w)
}

func versionDocx(tx *texts.Texts, in deputybot.Snapshot, year int, l deputybot.Language, v Version, w io.Writer) error {
	d := &doc{format: FormatDocx, lang: l}
	renderVersion(d, tx, in, year, l, v)
	props := docProps{
		Title:     d.blocks[0].text,
		Author:    in.Env.Rules.ReportingBody,
		Created:   in.Env.Now,
		Lang:      l,
		Landscape: v == Annex,
	}
	return writeDocx(w, d.blocks, props)
}

type docProps struct {
	Title, Author string
	Created       time.Time
	Lang          deputybot.Language
	Landscape     bool
}

// fonts of one language: title, body, first- and second-level headings.
type fontSet struct {
	title, body, heading, sub string
	bodySize, titleSize       int // half-points
	line                      int // twentieths of a point, exact
	lang                      string
}

var (
	zhFonts = fontSet{title: "方正小标宋简体", body: "仿宋_GB2312", heading: "黑体", sub: "楷体_GB2312",
		bodySize: 32, titleSize: 44, line: 579, lang: "zh-CN"}
	enFonts = fontSet{title: "Times New Roman", body: "Times New Roman", heading: "Times New Roman", sub: "Times New Roman",
		bodySize: 24, titleSize: 32, line: 360, lang: "en-GB"}
)

// keep keeps a heading with what follows it: no heading stands alone at
// the foot of a page.
const keep = `<w:keepNext/><w:keepLines/>`

func writeDocx(w io.Writer, blocks []block, p docProps) error {
	f := zhFonts
	if p.Lang == deputybot.LangEN {
		f = enFonts
	}
	width := textWidth
	if p.Landscape {
		width = landscapeWidth
	}
	var body bytes.Buffer
	for _, b := range blocks {
		switch b.kind {
		case blockTitle:
			text := b.text
			if p.Lang == deputybot.LangZH {
				text = strings.Join(breakLines(text, float64(width*2)/float64(f.titleSize*20), titleBreaks), "\n")
			}
			body.WriteString(paragraph(text, f.title, f.titleSize, keep+`<w:jc w:val="center"/><w:spacing w:after="`+fmt.Sprint(f.line)+`"/>`, false))
		case blockCentered:
			text := b.text
			if p.Lang == deputybot.LangZH {
				text = strings.Join(breakLines(text, float64(width*2)/float64(f.bodySize*20), venueBreaks), "\n")
			}
			body.WriteString(paragraph(text, f.sub, f.bodySize, keep+`<w:jc w:val="center"/>`, false))
		case blockPlain:
			body.WriteString(paragraph(b.text, f.body, f.bodySize, `<w:spacing w:before="`+fmt.Sprint(f.line)+`"/><w:ind w:firstLine="0"/>`, false))
		case blockHeading:
			switch b.level {
			case 1:
				body.WriteString(paragraph(b.text, f.heading, f.bodySize, keep+indent(f), false))
			case 2:
				body.WriteString(paragraph(b.text, f.sub, f.bodySize, keep+indent(f), false))
			default:
				body.WriteString(paragraph(b.text, f.body, f.bodySize, keep+indent(f), true))
			}
		case blockPara, blockItem:
			body.WriteString(paragraph(b.text, f.body, f.bodySize, indent(f), false))
		case blockDraft:
			body.WriteString(highlighted(b.text, f))
		case blockTable:
			body.WriteString(table(b.rows, f, width))
		}
	}
	zw := zip.NewWriter(w)
	parts := []struct{ name, content string }{
		{"[Content_Types].xml", contentTypes},
		{"_rels/.rels", rootRels},
		{"word/_rels/document.xml.rels", documentRels},
		{"word/document.xml", documentXML(body.String(), f, p.Landscape)},
		{"word/styles.xml", stylesXML(f)},
		{"word/footer1.xml", footerXML(f)},
		{"docProps/core.xml", coreXML(p)},
		{"docProps/app.xml", appXML},
	}
	for _, part := range parts {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: part.name, Method: zip.Deflate, Modified: p.Created})
		if err != nil {
			return err
		}
		if _, err := io.WriteString(fw, part.content); err != nil {
			return err
		}
	}
	return zw.Close()
}

// esc escapes text for XML character data.
func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// indent is the body's first-line indent: two characters.
func indent(f fontSet) string {
	return fmt.Sprintf(`<w:ind w:firstLine="%d"/>`, f.bodySize*20)
}

func runProps(font string, size int, bold bool) string {
	b := ""
	if bold {
		b = "<w:b/>"
	}
	return fmt.Sprintf(`<w:rPr><w:rFonts w:ascii="%[1]s" w:hAnsi="%[1]s" w:eastAsia="%[1]s" w:cs="%[1]s"/>%[2]s<w:sz w:val="%[3]d"/><w:szCs w:val="%[3]d"/></w:rPr>`,
		esc(font), b, size)
}

// percentRE finds a percentage ("17.88%"): Chinese text may break
// anywhere, and LibreOffice breaks between "17.88" and "%" in it; a
// percentage set as Latin text (its own run) is one word.
var percentRE = regexp.MustCompile(`[0-9][0-9.]*%`)

// runs writes text as runs of font: percentages in runs of their own, in
// a Latin language, so that they are not broken.
func runs(text, font string, size int, bold bool, extra string) string {
	rp := runProps(font, size, bold)
	if extra != "" {
		rp = strings.Replace(rp, "</w:rPr>", extra+"</w:rPr>", 1)
	}
	latin := strings.Replace(rp, "</w:rPr>", `<w:lang w:val="en-US" w:eastAsia="en-US"/></w:rPr>`, 1)
	var b strings.Builder
	for i, line := range strings.Split(text, "\n") {
		if i > 0 {
			b.WriteString("<w:r>" + rp + "<w:br/></w:r>")
		}
		at := 0
		for _, m := range percentRE.FindAllStringIndex(line, -1) {
			if m[0] > at {
				b.WriteString("<w:r>" + rp + `<w:t xml:space="preserve">` + esc(line[at:m[0]]) + "</w:t></w:r>")
			}
			b.WriteString("<w:r>" + latin + `<w:t xml:space="preserve">` + esc(line[m[0]:m[1]]) + "</w:t></w:r>")
			at = m[1]
		}
		if at < len(line) || line == "" {
			b.WriteString("<w:r>" + rp + `<w:t xml:space="preserve">` + esc(line[at:]) + "</w:t></w:r>")
		}
	}
	return b.String()
}

// paragraph is one paragraph of text; line breaks in it become breaks.
func paragraph(text, font string, size int, pPr string, bold bool) string {
	return "<w:p><w:pPr>" + pPr + "</w:pPr>" + runs(text, font, size, bold, "") + "</w:p>"
}

// highlighted is a paragraph of draft text: highlighted, for the office
// to edit.
func highlighted(text string, f fontSet) string {
	return "<w:p><w:pPr>" + indent(f) + "</w:pPr>" + runs(text, f.body, f.bodySize, false, `<w:highlight w:val="yellow"/>`) + "</w:p>"
}

// The text's width in twips: A4 less GB/T 9704's margins, upright and
// landscape.
const (
	textWidth      = 8845
	landscapeWidth = 14004
)

// Where a Chinese title, or the line under it, may break: between the
// parts of its sense, never inside a word.
var (
	titleBreaks = breakPoints{after: []string{"关于", "人民政府", "以来", "年度"}, before: []string{"议案建议", "人大代表议案", "办理情况"}}
	venueBreaks = breakPoints{before: []string{"第一次", "第二次", "第三次", "第四次", "第五次", "第六次", "第七次"}}
)

type breakPoints struct{ after, before []string }

// width is how wide s prints, in characters: a Chinese character 1, a
// Latin letter or digit half.
func width(s string) float64 {
	w := 0.0
	for _, r := range s {
		if r < 0x2E80 {
			w += 0.5
		} else {
			w++
		}
	}
	return w
}

// breakLines breaks s into the fewest lines no wider than max, breaking
// only where bp allows, the lines as even as can be; s as it is when it
// fits, or when no such breaks make it fit.
func breakLines(s string, max float64, bp breakPoints) []string {
	if width(s) <= max {
		return []string{s}
	}
	var cuts []int // byte offsets where a line may end
	for _, a := range bp.after {
		for i := 0; ; {
			j := strings.Index(s[i:], a)
			if j < 0 {
				break
			}
			cuts = append(cuts, i+j+len(a))
			i += j + len(a)
		}
	}
	for _, b := range bp.before {
		for i := 0; ; {
			j := strings.Index(s[i:], b)
			if j < 0 {
				break
			}
			if i+j > 0 {
				cuts = append(cuts, i+j)
			}
			i += j + len(b)
		}
	}
	slices.Sort(cuts)
	cuts = slices.Compact(cuts)
	cuts = slices.DeleteFunc(cuts, func(c int) bool { return c <= 0 || c >= len(s) })
	// Choose cuts: fewest lines, then the widest line narrowest.
	best, bestWidth := []int(nil), max+1
	for lines := 2; lines <= 4 && best == nil; lines++ {
		var try func(from, start, left int, chosen []int)
		try = func(from, start, left int, chosen []int) {
			if left == 0 {
				widest := width(s[from:])
				prev := 0
				for _, c := range chosen {
					widest = maxf(widest, width(s[prev:c]))
					prev = c
				}
				if widest <= max && widest < bestWidth {
					best, bestWidth = slices.Clone(chosen), widest
				}
				return
			}
			for k := start; k < len(cuts); k++ {
				if width(s[from:cuts[k]]) > max {
					break
				}
				try(cuts[k], k+1, left-1, append(chosen, cuts[k]))
			}
		}
		try(0, 0, lines-1, nil)
	}
	if best == nil {
		return []string{s}
	}
	var out []string
	prev := 0
	for _, c := range best {
		out = append(out, s[prev:c])
		prev = c
	}
	return append(out, s[prev:])
}

func maxf(a, b float64) float64 {
	if a > b {
		return a
	}
	return b
}

// table is a bordered table at the text's width, its header row bold and
// repeated on every page, numbers centred and never broken ("100.00%"
// on one line).
func table(rows [][]string, f fontSet, width int) string {
	if len(rows) == 0 {
		return ""
	}
	size := f.bodySize * 5 / 8 // 五号 under 三号 text
	var b strings.Builder
	b.WriteString(`<w:tbl><w:tblPr><w:tblW w:w="` + fmt.Sprint(width) + `" w:type="dxa"/><w:jc w:val="center"/><w:tblBorders>`)
	for _, side := range []string{"top", "left", "bottom", "right", "insideH", "insideV"} {
		b.WriteString(`<w:` + side + ` w:val="single" w:sz="4" w:space="0" w:color="000000"/>`)
	}
	b.WriteString(`</w:tblBorders><w:tblLayout w:type="fixed"/></w:tblPr><w:tblGrid>`)
	for _, wd := range columnWidths(rows, size, width) {
		b.WriteString(fmt.Sprintf(`<w:gridCol w:w="%d"/>`, wd))
	}
	b.WriteString("</w:tblGrid>")
	for r, row := range rows {
		b.WriteString("<w:tr>")
		if r == 0 {
			b.WriteString(`<w:trPr><w:tblHeader/></w:trPr>`)
		}
		for i, cell := range row {
			jc := "center"
			if i == 0 && r > 0 {
				jc = "left"
			}
			noWrap := ""
			if i > 0 && r > 0 {
				noWrap = "<w:noWrap/>"
			}
			b.WriteString(`<w:tc><w:tcPr>` + noWrap + `<w:vAlign w:val="center"/></w:tcPr>`)
			// Single spacing in cells: the body's exact line would
			// spread a wrapped header over the page.
			b.WriteString(paragraph(cell, f.body, size, `<w:snapToGrid w:val="0"/><w:spacing w:before="40" w:after="40" w:line="240" w:lineRule="auto"/><w:ind w:firstLine="0"/><w:jc w:val="`+jc+`"/>`, r == 0))
			b.WriteString("</w:tc>")
		}
		b.WriteString("</w:tr>")
	}
	b.WriteString("</w:tbl>")
	// Word wants a paragraph after a table.
	b.WriteString("<w:p/>")
	return b.String()
}

// columnWidths shares a table's width (twips) among its columns: each
// first gets what it cannot do without — its header's longest word
// (words are not broken), its widest figure (figures do not wrap), the
// first column's names at least six characters — and what is left is
// shared, the first column taking a double share. size is the cells'
// type size in half-points.
func columnWidths(rows [][]string, size, width int) []int {
	cols := len(rows[0])
	const pad = 2 * 115 // the cell's margins
	need := make([]float64, cols)
	for r, row := range rows {
		for c, cell := range row {
			if c >= cols {
				continue
			}
			w := 0.0
			switch {
			case r == 0 || c == 0:
				for _, word := range strings.FieldsFunc(cell, func(r rune) bool { return r == ' ' || r == '/' || r == '-' }) {
					w = maxf(w, twips(word, size, r == 0))
				}
				if c == 0 {
					w = min(w, twips("区住建局区住", size, false))
				}
			default:
				w = twips(cell, size, false)
			}
			need[c] = maxf(need[c], w+pad)
		}
	}
	total := 0.0
	for _, n := range need {
		total += n
	}
	out := make([]int, cols)
	if total >= float64(width) {
		for c, n := range need {
			out[c] = int(n * float64(width) / total)
		}
		return out
	}
	share := (float64(width) - total) / float64(cols+1)
	for c, n := range need {
		out[c] = int(n + share)
		if c == 0 {
			out[c] = int(n + 2*share)
		}
	}
	return out
}

// twips is about how wide s is set at size (half-points): a CJK
// character is as wide as the size, a Latin one a little over half, bold
// a tenth more.
func twips(s string, size int, bold bool) float64 {
	w := 0.0
	for _, r := range s {
		if r >= 0x2E80 {
			w += 1
		} else {
			w += 0.56
		}
	}
	w *= float64(size) * 10 // half-points to twips
	if bold {
		w *= 1.1
	}
	return w
}

const wordNS = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`

func documentXML(body string, f fontSet, landscape bool) string {
	// A4 and GB/T 9704's margins, in twips (1 mm = 56.7); page numbers
	// from 1; 28 lines to a page. Landscape: the same page turned, its
	// margins 25 mm.
	page := `<w:pgSz w:w="11906" w:h="16838"/>` +
		`<w:pgMar w:top="2098" w:right="1474" w:bottom="1984" w:left="1587" w:header="851" w:footer="992" w:gutter="0"/>`
	if landscape {
		page = `<w:pgSz w:w="16838" w:h="11906" w:orient="landscape"/>` +
			`<w:pgMar w:top="1417" w:right="1417" w:bottom="1417" w:left="1417" w:header="851" w:footer="850" w:gutter="0"/>`
	}
	return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<w:document ` + wordNS + `><w:body>` + body +
		`<w:sectPr><w:footerReference w:type="default" r:id="rFooter"/>` + page +
		`<w:pgNumType w:start="1"/><w:docGrid w:type="lines" w:linePitch="` + fmt.Sprint(f.line) + `"/></w:sectPr>` +
		`</w:body></w:document>`
}

func stylesXML(f fontSet) string {
	return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<w:styles ` + wordNS + `><w:docDefaults><w:rPrDefault>` + runProps(f.body, f.bodySize, false) +
		`</w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:line="` + fmt.Sprint(f.line) + `" w:lineRule="exact"/><w:jc w:val="both"/></w:pPr></w:pPrDefault></w:docDefaults>` +
		`<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:rPr><w:lang w:val="` + f.lang + `" w:eastAsia="zh-CN"/></w:rPr></w:style>` +
		`</w:styles>`
}

// footerXML: the page number as "— 1 —", 四号, outside edge centred.
func footerXML(f fontSet) string {
	rp := runProps(f.body, 28, false)
	return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<w:ftr ` + wordNS + `><w:p><w:pPr><w:jc w:val="center"/></w:pPr>` +
		`<w:r>` + rp + `<w:t xml:space="preserve">— </w:t></w:r>` +
		`<w:r>` + rp + `<w:fldChar w:fldCharType="begin"/></w:r>` +
		`<w:r>` + rp + `<w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>` +
		`<w:r>` + rp + `<w:fldChar w:fldCharType="separate"/></w:r>` +
		`<w:r>` + rp + `<w:t>1</w:t></w:r>` +
		`<w:r>` + rp + `<w:fldChar w:fldCharType="end"/></w:r>` +
		`<w:r>` + rp + `<w:t xml:space="preserve"> —</w:t></w:r></w:p></w:ftr>`
}

func coreXML(p docProps) string {
	created := p.Created.UTC().Format(time.RFC3339)
	return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
		`<dc:title>` + esc(p.Title) + `</dc:title><dc:creator>` + esc(p.Author) + `</dc:creator><dc:language>` + esc(string(p.Lang)) + `</dc:language>` +
		`<dcterms:created xsi:type="dcterms:W3CDTF">` + created + `</dcterms:created>` +
		`<dcterms:modified xsi:type="dcterms:W3CDTF">` + created + `</dcterms:modified></cp:coreProperties>`
}

const (
	contentTypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
		`<Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>` +
		`<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>` +
		`<Override PartName="/word/footer1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/>` +
		`<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>` +
		`<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>` +
		`</Types>`
	rootRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>` +
		`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>` +
		`<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>` +
		`</Relationships>`
	documentRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>` +
		`<Relationship Id="rFooter" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer1.xml"/>` +
		`</Relationships>`
	appXML = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>deputybot</Application></Properties>`
)

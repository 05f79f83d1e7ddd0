package report

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// Sheet is one worksheet of a workbook: a header row and data rows.
// A row's cells are strings, numbers, Date, Percent, or nil (an empty
// cell).
type Sheet struct {
	Name    string
	Headers []string
	Widths  []float64 // per column; 0: 12
	Rows    [][]any
	// Totals, if set, is a last row in bold below the table (合计).
	Totals []any
	// Paper, if set, makes the sheet one to print and read on paper
	// rather than to filter: its title and note above the table, type at
	// reading size, the long columns wrapped, ruled cells instead of an
	// Excel table, and the table its print area.
	Paper *Paper
}

// Paper is what a sheet for paper says above its table.
type Paper struct {
	Title string // a row of its own, large and bold, across the table
	Note  string // under the title: the date, the count, what the flags mean
	Wrap  []int  // columns (from 0) whose text wraps within their width
}

// Date is a date cell (shown as 2026-03-09, filtered and sorted as a
// date by Excel).
type Date time.Time

// Share is a share (0.9281) shown as a percentage (92.81%).
type Share float64

// Workbook is what a workbook says of itself.
type Workbook struct {
	Sheets  []Sheet
	Author  string // the reporting body
	Title   string
	Created time.Time
	// Footer is the page footer of every sheet, in Excel's codes:
	// "第 &P 页 共 &N 页".
	Footer string
}

// WriteWorkbook writes sheets as an XLSX workbook: each with its header
// row frozen, a filter on every column (an Excel table), and readable
// column widths. Rows are streamed, so a large register does not need the
// whole sheet's XML in memory.
//
// Numbers, dates and percentages are cells of their type, right-aligned
// under right-aligned headers; each sheet prints on A4 landscape, fitted
// to the page width, with its header row on every page and the footer
// (page numbers) under each; a sheet for paper (Sheet.Paper) prints its
// table only, titled, ruled and at reading size.
func WriteWorkbook(w io.Writer, wb Workbook) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetDocProps(&excelize.DocProperties{Creator: wb.Author, LastModifiedBy: wb.Author, Title: wb.Title,
		Created: wb.Created.UTC().Format(time.RFC3339), Modified: wb.Created.UTC().Format(time.RFC3339)}); err != nil {
		return err
	}
	st := styles{f: f, ids: map[styleKey]int{}}
	cell := func(v any, k styleKey) (any, error) {
		switch x := v.(type) {
		case nil:
			if !k.ruled {
				return nil, nil
			}
			id, err := st.id(k)
			return excelize.Cell{StyleID: id}, err
		case Date:
			k.kind = styleDate
			id, err := st.id(k)
			return excelize.Cell{StyleID: id, Value: time.Time(x)}, err
		case Share:
			k.kind = stylePercent
			id, err := st.id(k)
			return excelize.Cell{StyleID: id, Value: float64(x)}, err
		case int, float64:
			k.kind = styleNumber
			id, err := st.id(k)
			return excelize.Cell{StyleID: id, Value: x}, err
		}
		if k == (styleKey{}) {
			return v, nil // plain text: no style to write
		}
		id, err := st.id(k)
		return excelize.Cell{StyleID: id, Value: v}, err
	}
	for i, sh := range wb.Sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", sh.Name); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(sh.Name); err != nil {
			return err
		}
		// Page setup before the stream: it writes the sheet's properties
		// first and its page setup from what the sheet had then.
		landscape, fit, tall, a4 := "landscape", 1, 0, 9
		if err := f.SetPageLayout(sh.Name, &excelize.PageLayoutOptions{Size: &a4, Orientation: &landscape, FitToWidth: &fit, FitToHeight: &tall}); err != nil {
			return err
		}
		side, top, bottom, edge := 0.5, 0.6, 0.75, 0.3
		if err := f.SetPageMargins(sh.Name, &excelize.PageLayoutMarginsOptions{Left: &side, Right: &side, Top: &top, Bottom: &bottom, Header: &edge, Footer: &edge}); err != nil {
			return err
		}
		if wb.Footer != "" {
			if err := f.SetHeaderFooter(sh.Name, &excelize.HeaderFooterOptions{OddFooter: "&C" + wb.Footer}); err != nil {
				return err
			}
		}
		fitPage := true
		if err := f.SetSheetProps(sh.Name, &excelize.SheetPropsOptions{FitToPage: &fitPage}); err != nil {
			return err
		}
		sw, err := f.NewStreamWriter(sh.Name)
		if err != nil {
			return err
		}
		widths := make([]float64, len(sh.Headers))
		for c := range sh.Headers {
			widths[c] = 12.0
			if c < len(sh.Widths) && sh.Widths[c] > 0 {
				widths[c] = sh.Widths[c]
			}
			if err := sw.SetColWidth(c+1, c+1, widths[c]); err != nil {
				return err
			}
		}
		paper := sh.Paper != nil
		head := 1 // the header row
		if paper {
			head = 3
		}
		headCell, _ := excelize.CoordinatesToCellName(1, head)
		below, _ := excelize.CoordinatesToCellName(1, head+1)
		if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: head, TopLeftCell: below, ActivePane: "bottomLeft"}); err != nil {
			return err
		}
		wrap := make([]bool, len(sh.Headers))
		if paper {
			for _, c := range sh.Paper.Wrap {
				wrap[c] = true
			}
			end1, _ := excelize.CoordinatesToCellName(len(sh.Headers), 1)
			end2, _ := excelize.CoordinatesToCellName(len(sh.Headers), 2)
			title, err := st.id(styleKey{kind: styleTitle})
			if err != nil {
				return err
			}
			note, err := st.id(styleKey{kind: styleNote})
			if err != nil {
				return err
			}
			if err := sw.SetRow("A1", []any{excelize.Cell{StyleID: title, Value: sh.Paper.Title}}, excelize.RowOpts{Height: 30}); err != nil {
				return err
			}
			across := 0.0
			for _, w := range widths {
				across += w
			}
			if err := sw.SetRow("A2", []any{excelize.Cell{StyleID: note, Value: sh.Paper.Note}},
				excelize.RowOpts{Height: rowHeight([]string{sh.Paper.Note}, []float64{across}, nil)}); err != nil {
				return err
			}
			if err := sw.MergeCell("A1", end1); err != nil {
				return err
			}
			if err := sw.MergeCell("A2", end2); err != nil {
				return err
			}
		}
		// A column of numbers has its header right-aligned above them.
		numeric := make([]bool, len(sh.Headers))
		for _, row := range sh.Rows {
			for c, v := range row {
				switch v.(type) {
				case int, float64, Date, Share:
					if c < len(numeric) {
						numeric[c] = true
					}
				}
			}
		}
		heads := make([]any, len(sh.Headers))
		for c, h := range sh.Headers {
			k := styleKey{kind: styleText, bold: true, ruled: paper, large: paper, wrap: paper}
			if numeric[c] {
				k.kind = styleNumber
			}
			v, err := cell(h, k)
			if err != nil {
				return err
			}
			heads[c] = v
		}
		// Spreadsheets do not grow a streamed row to its wrapped text:
		// a row for paper is as tall as its longest wrapped cell.
		var opts []excelize.RowOpts
		if paper {
			opts = []excelize.RowOpts{{Height: rowHeight(sh.Headers, widths, nil)}}
		}
		if err := sw.SetRow(headCell, heads, opts...); err != nil {
			return err
		}
		write := func(r int, row []any, bold bool) error {
			cells := make([]any, len(row))
			for c, v := range row {
				var err error
				if cells[c], err = cell(v, styleKey{kind: styleText, bold: bold, ruled: paper, large: paper, wrap: c < len(wrap) && wrap[c]}); err != nil {
					return err
				}
			}
			name, _ := excelize.CoordinatesToCellName(1, r)
			if paper {
				return sw.SetRow(name, cells, excelize.RowOpts{Height: rowHeight(row, widths, wrap)})
			}
			return sw.SetRow(name, cells)
		}
		for r, row := range sh.Rows {
			if err := write(head+r+1, row, false); err != nil {
				return err
			}
		}
		end := head + len(sh.Rows)
		if sh.Totals != nil {
			end++
			if err := write(end, sh.Totals, true); err != nil {
				return err
			}
		}
		last, _ := excelize.CoordinatesToCellName(len(sh.Headers), max(head+len(sh.Rows), head+1))
		if !paper {
			// Paper has ruled cells; a table's stripes and filter
			// buttons are for the screen.
			if err := sw.AddTable(&excelize.Table{Range: headCell + ":" + last, Name: fmt.Sprintf("Table%d", i+1),
				StyleName: "TableStyleLight9", ShowRowStripes: boolPtr(true)}); err != nil {
				return err
			}
		}
		if err := sw.Flush(); err != nil {
			return err
		}
		quoted := "'" + strings.ReplaceAll(sh.Name, "'", "''") + "'"
		if err := f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: fmt.Sprintf("%s!$%d:$%d", quoted, head, head), Scope: sh.Name}); err != nil {
			return err
		}
		if paper {
			corner, _ := excelize.CoordinatesToCellName(len(sh.Headers), max(end, head), true)
			if err := f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Area", RefersTo: quoted + "!$A$1:" + corner, Scope: sh.Name}); err != nil {
				return err
			}
		}
	}
	return f.Write(w)
}

func boolPtr(b bool) *bool { return &b }

// paperSize is the type size of a sheet for paper, in points, and
// lineHeight the height of one of its lines (CJK glyphs stand taller than
// Latin ones).
const (
	paperSize  = 12
	lineHeight = 17
)

// rowHeight is the height in points of a row of cells on a sheet for
// paper: as many lines as its longest wrapped cell takes in its column
// (every cell when wrap is nil). A column's width is in widths of "0" at
// 11 points; at the paper's size a CJK character takes about 1.75 of
// them (as LibreOffice lays it out), a Latin one about 1.
func rowHeight[T any](row []T, widths []float64, wrap []bool) float64 {
	lines := 1
	for c, v := range row {
		s, ok := any(v).(string)
		if !ok || c >= len(widths) || wrap != nil && (c >= len(wrap) || !wrap[c]) {
			continue
		}
		room := max(widths[c]-1, 1)
		lines = max(lines, int(math.Ceil(TextWidth(s)/room)))
	}
	return float64(lines*lineHeight + 3)
}

// TextWidth is how wide s is on a sheet for paper, in a column's units
// (see rowHeight).
func TextWidth(s string) float64 {
	w := 0.0
	for _, r := range s {
		if r >= 0x2E80 {
			w += 1.75
		} else {
			w++
		}
	}
	return w
}

type styleKind int

const (
	styleText styleKind = iota
	styleNumber
	styleDate
	stylePercent
	styleTitle // a paper sheet's title
	styleNote  // the line under it
)

// styleKey is what a cell's look depends on.
type styleKey struct {
	kind                     styleKind
	bold, ruled, large, wrap bool
}

// styles makes each look once.
type styles struct {
	f   *excelize.File
	ids map[styleKey]int
}

func (s *styles) id(k styleKey) (int, error) {
	if id, ok := s.ids[k]; ok {
		return id, nil
	}
	st := &excelize.Style{Font: &excelize.Font{Bold: k.bold}, Alignment: &excelize.Alignment{Vertical: "top", WrapText: k.wrap}}
	if k.large {
		st.Font.Size = paperSize
	}
	// On paper, numbers and dates stand centred in their ruled columns,
	// under centred headers.
	aside := "right"
	if k.ruled {
		aside = "center"
	}
	switch k.kind {
	case styleText:
		if k.ruled && k.bold {
			st.Alignment.Horizontal = "center"
		}
	case styleNumber:
		st.Alignment.Horizontal = aside
	case styleDate:
		f := "yyyy-mm-dd"
		st.CustomNumFmt = &f
		st.Alignment.Horizontal = aside
	case stylePercent:
		st.NumFmt = 10 // 0.00%
		st.Alignment.Horizontal = aside
	case styleTitle:
		st.Font = &excelize.Font{Bold: true, Size: 18}
		st.Alignment = &excelize.Alignment{Horizontal: "center", Vertical: "center"}
	case styleNote:
		st.Font = &excelize.Font{Size: paperSize}
		st.Alignment = &excelize.Alignment{Horizontal: "left", Vertical: "center", WrapText: true}
	}
	if k.ruled {
		for _, side := range []string{"left", "right", "top", "bottom"} {
			st.Border = append(st.Border, excelize.Border{Type: side, Color: "000000", Style: 1})
		}
	}
	id, err := s.f.NewStyle(st)
	if err == nil {
		s.ids[k] = id
	}
	return id, err
}

package report

import (
	"fmt"
	"io"
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
}

// WriteWorkbook writes sheets as an XLSX workbook: each with its header
// row frozen, a filter on every column (an Excel table), and readable
// column widths. Rows are streamed, so a large register does not need the
// whole sheet's XML in memory.
//
// Numbers, dates and percentages are cells of their type, right-aligned
// under right-aligned headers; each sheet prints landscape, fitted to the
// page width, with its header row on every page.
func WriteWorkbook(w io.Writer, wb Workbook) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetDocProps(&excelize.DocProperties{Creator: wb.Author, LastModifiedBy: wb.Author, Title: wb.Title,
		Created: wb.Created.UTC().Format(time.RFC3339), Modified: wb.Created.UTC().Format(time.RFC3339)}); err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	right := &excelize.Alignment{Horizontal: "right"}
	boldRight, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: right})
	if err != nil {
		return err
	}
	dateFmt := "yyyy-mm-dd"
	dateStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt, Alignment: right})
	if err != nil {
		return err
	}
	pctStyle, err := f.NewStyle(&excelize.Style{NumFmt: 10, Alignment: right}) // 0.00%
	if err != nil {
		return err
	}
	numStyle, err := f.NewStyle(&excelize.Style{Alignment: right})
	if err != nil {
		return err
	}
	cell := func(v any, boldRow bool) any {
		switch x := v.(type) {
		case nil:
			return nil
		case Date:
			return excelize.Cell{StyleID: dateStyle, Value: time.Time(x)}
		case Share:
			return excelize.Cell{StyleID: pctStyle, Value: float64(x)}
		case int, float64:
			if boldRow {
				return excelize.Cell{StyleID: boldRight, Value: x}
			}
			return excelize.Cell{StyleID: numStyle, Value: x}
		case string:
			if boldRow {
				return excelize.Cell{StyleID: bold, Value: x}
			}
		}
		return v
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
		landscape, fit, tall := "landscape", 1, 0
		if err := f.SetPageLayout(sh.Name, &excelize.PageLayoutOptions{Orientation: &landscape, FitToWidth: &fit, FitToHeight: &tall}); err != nil {
			return err
		}
		fitPage := true
		if err := f.SetSheetProps(sh.Name, &excelize.SheetPropsOptions{FitToPage: &fitPage}); err != nil {
			return err
		}
		sw, err := f.NewStreamWriter(sh.Name)
		if err != nil {
			return err
		}
		for c := range sh.Headers {
			width := 12.0
			if c < len(sh.Widths) && sh.Widths[c] > 0 {
				width = sh.Widths[c]
			}
			if err := sw.SetColWidth(c+1, c+1, width); err != nil {
				return err
			}
		}
		if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
			return err
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
		head := make([]any, len(sh.Headers))
		for c, h := range sh.Headers {
			style := bold
			if numeric[c] {
				style = boldRight
			}
			head[c] = excelize.Cell{StyleID: style, Value: h}
		}
		if err := sw.SetRow("A1", head); err != nil {
			return err
		}
		write := func(r int, row []any, boldRow bool) error {
			cells := make([]any, len(row))
			for c, v := range row {
				cells[c] = cell(v, boldRow)
			}
			name, _ := excelize.CoordinatesToCellName(1, r)
			return sw.SetRow(name, cells)
		}
		for r, row := range sh.Rows {
			if err := write(r+2, row, false); err != nil {
				return err
			}
		}
		if sh.Totals != nil {
			if err := write(len(sh.Rows)+2, sh.Totals, true); err != nil {
				return err
			}
		}
		last, _ := excelize.CoordinatesToCellName(len(sh.Headers), max(len(sh.Rows)+1, 2))
		if err := sw.AddTable(&excelize.Table{Range: "A1:" + last, Name: fmt.Sprintf("Table%d", i+1),
			StyleName: "TableStyleLight9", ShowRowStripes: boolPtr(true)}); err != nil {
			return err
		}
		if err := sw.Flush(); err != nil {
			return err
		}
		if err := f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: fmt.Sprintf("'%s'!$1:$1", sh.Name), Scope: sh.Name}); err != nil {
			return err
		}
	}
	return f.Write(w)
}

func boolPtr(b bool) *bool { return &b }

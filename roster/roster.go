// Package roster reads roster files — CSV or XLSX, one person per row:
// name, role, department, phone — as a stream of rows, so that a file of
// any length is read in bounded memory.
package roster

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"

	"deputybot"
)

// ErrFormat is returned for a file that is neither CSV nor XLSX.
var ErrFormat = errors.New("not a CSV or XLSX roster")

// ErrTooBig is returned for a workbook that unpacks to more than a
// roster can be (MaxUnzipped): a file built to exhaust memory.
var ErrTooBig = errors.New("the roster unpacks to more than a roster can be")

// ErrTooManyRows is returned for a roster of more than MaxRows people.
var ErrTooManyRows = errors.New("the roster has more rows than a roster can have")

// MaxRows is the most people one roster file may list: twice the largest
// congress a district or city elects (a province's is under 1,000).
const MaxRows = 20000

// MaxUnzipped is the most an XLSX roster may unpack to, all its parts
// together: a 10,000-row roster is well under 10 MB. The workbook is
// read in memory up to it, never spilled to temporary files.
const MaxUnzipped = 64 << 20

// columns maps the header names people use to the fields.
var columns = map[string]string{
	"name": "name", "姓名": "name", "名字": "name",
	"role": "role", "角色": "role", "身份": "role",
	"department": "department", "dept": "department", "单位": "department", "部门": "department", "承办单位": "department",
	"phone": "phone", "电话": "phone", "手机": "phone", "联系电话": "phone", "mobile": "phone",
}

// Read reads a roster from data (the whole file: XLSX needs random
// access) and calls fn for each row that has any content. A first row
// that names the columns (name/姓名, role/角色, department/单位, phone/电话,
// in any order) is a header; without one the columns are name, role,
// department, phone. CSV may be UTF-8 (with or without BOM) or GB18030,
// as Chinese Excel saves it.
func Read(data []byte, fn func(deputybot.RosterRow) error) error {
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return readXLSX(data, fn)
	}
	if len(data) == 0 || bytes.IndexByte(data[:min(len(data), 4096)], 0) >= 0 {
		return ErrFormat
	}
	var r io.Reader = bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff")))
	if !utf8.Valid(data[:min(len(data), 64<<10)]) {
		r = transform.NewReader(bytes.NewReader(data), simplifiedchinese.GB18030.NewDecoder())
	}
	cr := csv.NewReader(bufio.NewReader(r))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.LazyQuotes = true
	var rows rowMapper
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return ErrFormat
		}
		line, _ := cr.FieldPos(0) // the file's line: blank lines are skipped
		if err := rows.next(line, rec, fn); err != nil {
			return err
		}
	}
}

func readXLSX(data []byte, fn func(deputybot.RosterRow) error) error {
	// The Excel library unpacks up to 16 GB by default: a 3 MB file of
	// zeros would take the process down (and again at every restart).
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: MaxUnzipped, UnzipXMLSizeLimit: MaxUnzipped})
	if err != nil {
		if strings.Contains(err.Error(), "size exceeds") {
			return ErrTooBig
		}
		return ErrFormat
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return ErrFormat
	}
	it, err := f.Rows(sheets[0])
	if err != nil {
		return ErrFormat
	}
	defer it.Close()
	var rows rowMapper
	for line := 1; it.Next(); line++ {
		rec, err := it.Columns()
		if err != nil {
			return ErrFormat
		}
		if err := rows.next(line, rec, fn); err != nil {
			return err
		}
	}
	return it.Error()
}

// rowMapper turns records into rows, learning the columns from a header.
type rowMapper struct {
	started bool
	order   []string // field of each column
	rows    int
}

func (m *rowMapper) next(line int, rec []string, fn func(deputybot.RosterRow) error) error {
	empty := true
	for i := range rec {
		rec[i] = strings.TrimSpace(rec[i])
		empty = empty && rec[i] == ""
	}
	if empty {
		return nil
	}
	if !m.started {
		m.started = true
		var order []string
		header := false
		for _, c := range rec {
			f := columns[strings.ToLower(c)]
			header = header || f != ""
			order = append(order, f)
		}
		if header {
			m.order = order
			return nil
		}
		m.order = []string{"name", "role", "department", "phone"}
	}
	if m.rows++; m.rows > MaxRows {
		return ErrTooManyRows
	}
	row := deputybot.RosterRow{Line: line}
	for i, c := range rec {
		if i >= len(m.order) {
			break
		}
		switch m.order[i] {
		case "name":
			row.Name = c
		case "role":
			row.Role = c
		case "department":
			row.Department = c
		case "phone":
			row.Phone = c
		}
	}
	return fn(row)
}

package roster

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"deputybot"
)

func read(t *testing.T, data []byte) []deputybot.RosterRow {
	t.Helper()
	var rows []deputybot.RosterRow
	if err := Read(data, func(r deputybot.RosterRow) error { rows = append(rows, r); return nil }); err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestCSVWithHeaderInAnyOrderAndBOM(t *testing.T) {
	rows := read(t, []byte("\ufeff电话,姓名,单位,角色\n138,张三,,代表\n\n, 李四 ,区住建局,联系人\n"))
	if len(rows) != 2 || rows[0].Name != "张三" || rows[0].Phone != "138" || rows[0].Role != "代表" || rows[0].Line != 2 ||
		rows[1].Name != "李四" || rows[1].Department != "区住建局" || rows[1].Line != 4 {
		t.Fatalf("%+v", rows)
	}
}

func TestCSVWithoutHeaderAndGB18030(t *testing.T) {
	gbk, _ := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte("王五,代表,,139\n赵六,承办联系人,区民政局,\n"))
	rows := read(t, gbk)
	if len(rows) != 2 || rows[0].Name != "王五" || rows[0].Line != 1 || rows[1].Department != "区民政局" {
		t.Fatalf("%+v", rows)
	}
}

func TestXLSX(t *testing.T) {
	f := excelize.NewFile()
	f.SetSheetRow("Sheet1", "A1", &[]any{"name", "role", "department", "phone"})
	f.SetSheetRow("Sheet1", "A2", &[]any{"Alice", "deputy"})
	f.SetSheetRow("Sheet1", "A4", &[]any{"Bob", "contact", "Water Bureau", 13800000000})
	var buf bytes.Buffer
	f.Write(&buf)
	rows := read(t, buf.Bytes())
	if len(rows) != 2 || rows[0].Name != "Alice" || rows[1].Line != 4 || rows[1].Phone != "13800000000" {
		t.Fatalf("%+v", rows)
	}
}

func TestWrongFormat(t *testing.T) {
	for _, data := range [][]byte{nil, []byte("%PDF-1.7\x00\x00"), []byte("PK\x03\x04not really a zip")} {
		if err := Read(data, func(deputybot.RosterRow) error { return nil }); err != ErrFormat {
			t.Errorf("%q: %v", data, err)
		}
	}
}

package roster

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"

	"deputybot"
)

// FuzzRead: whatever file is sent as a roster — CSV in any encoding, a
// broken or hostile workbook — Read does not panic, and gives no more
// rows than the file has lines (CSV) or MaxRows.
func FuzzRead(f *testing.F) {
	f.Add([]byte("姓名,角色,单位,电话\n张三,代表,,13800000001\n李四,承办联系人,区住建局,027-88881234\n"))
	f.Add([]byte("name,role\n\"quoted, name\",deputy\n\"broken\n"))
	f.Add([]byte("\xd5\xc5\xc8\xfd,\xb4\xfa\xb1\xed\n")) // GB18030
	x := excelize.NewFile()
	_ = x.SetSheetRow("Sheet1", "A1", &[]any{"Name", "Role"})
	_ = x.SetSheetRow("Sheet1", "A2", &[]any{"Alice", "deputy"})
	var wb bytes.Buffer
	_ = x.Write(&wb)
	f.Add(wb.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		rows := 0
		_ = Read(data, func(deputybot.RosterRow) error { rows++; return nil })
		if rows > MaxRows {
			t.Fatalf("%d rows", rows)
		}
		if !bytes.HasPrefix(data, []byte("PK\x03\x04")) && rows > bytes.Count(data, []byte("\n"))+1 {
			t.Fatalf("%d rows from %d lines", rows, bytes.Count(data, []byte("\n"))+1)
		}
	})
}

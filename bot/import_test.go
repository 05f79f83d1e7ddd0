package bot_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"deputybot"
	"deputybot/internal/apptest"
	"deputybot/internal/officetest"
	"deputybot/roster"
)

func links(t *testing.T, data []byte) [][]string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestImportRosterInChat(t *testing.T) {
	h := apptest.Start(t, apptest.Admins(adminID))
	admin := h.User(adminID, "Admin", "zh")
	one(t, h.Do(admin, "/departments add 区住建局"), "已添加")
	one(t, h.Do(admin, "/import"), "请发送名册文件")
	sample := []byte("姓名,角色,单位,电话\n张三,代表,,13800000001\n李四,承办联系人,区住建局,027-88881234\n" +
		"王五,联系人,区民政局,\n,代表,,\n赵六,国王,,\n孙七,承办联系人,,\n周八,代表,,call me\n吴九,督查室,,\n")
	h.WaitHandled(admin.SendFile("名册.csv", "text/csv", sample, ""))
	msgs := admin.Unread()
	if len(msgs) != 2 {
		t.Fatalf("%d answers", len(msgs))
	}
	one(t, msgs[:1], "新建4人", "跳过已导入的0人", "有问题的4行",
		"第5行：姓名或名称不能为空", "第6行：不认识角色“国王”", "第7行：承办联系人必须属于一个承办单位", "第8行：电话号码格式不正确")
	file := msgs[1].Document
	rows := links(t, file.Data)
	if len(rows) != 5 || rows[0][4] != "邀请链接" || rows[1][0] != "张三" || rows[2][2] != "区住建局" || rows[3][2] != "区民政局" {
		t.Fatalf("links file: %v", rows)
	}
	// The department that did not exist was created; the link works.
	one(t, h.Do(admin, "/departments"), "区民政局", "待加入1")
	m := linkRE.FindStringSubmatch(rows[2][4])
	li := h.User(3001, "Li", "zh")
	one(t, h.Do(li, "/start "+m[1]), "欢迎", "李四", "承办联系人")

	// The same file again creates nothing.
	one(t, h.Do(admin, "/import"), "请发送名册文件")
	h.WaitHandled(admin.SendFile("名册.csv", "text/csv", sample, ""))
	one(t, admin.Unread(), "新建0人", "跳过已导入的4人", "有问题的4行")
	one(t, h.Do(admin, "/people"), "共5人") // four imported and the admin

	// A file in the wrong format changes nothing and says why.
	one(t, h.Do(admin, "/import"), "请发送名册文件")
	h.WaitHandled(admin.SendFile("scan.pdf", "application/pdf", []byte("%PDF-1.7\x00\x01binary"), ""))
	msgs = admin.Unread()
	if len(msgs) != 2 || !strings.Contains(msgs[0].Text, "不是 CSV 或 Excel") {
		t.Fatalf("wrong format: %q", msgs[0].Text)
	}
	// So does one with more rows than any congress, though its first rows
	// are good: nothing of it is imported.
	var big bytes.Buffer
	for i := range roster.MaxRows + 1 {
		fmt.Fprintf(&big, "代表%05d,代表,,\n", i)
	}
	h.WaitHandled(admin.SendFile("大名册.csv", "text/csv", big.Bytes(), ""))
	msgs = admin.Unread()
	if len(msgs) != 2 || !strings.Contains(msgs[0].Text, "超过20000人") || !strings.Contains(msgs[0].Text, "没有导入") {
		t.Fatalf("too many rows: %q", msgs[0].Text)
	}
	one(t, h.Do(admin, "/cancel"), "已取消")
	one(t, h.Do(admin, "/people"), "共5人")
}

func TestImportRosterXLSXWithEnglishHeaders(t *testing.T) {
	h := apptest.Start(t, apptest.Admins(adminID))
	admin := h.User(adminID, "Admin", "en")
	f := excelize.NewFile()
	for r, row := range [][]any{{"Phone", "Name", "Role", "Department"}, {"", "Alice", "deputy", ""}, {"+86 138", "Bob", "contact", "Water Bureau"}} {
		cell, _ := excelize.CoordinatesToCellName(1, r+1)
		f.SetSheetRow("Sheet1", cell, &row)
	}
	var buf bytes.Buffer
	f.Write(&buf)
	one(t, h.Do(admin, "/import"), "Send the roster file")
	h.WaitHandled(admin.SendFile("roster.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buf.Bytes(), ""))
	msgs := admin.Unread()
	if len(msgs) != 2 || !strings.Contains(msgs[0].Text, "Created: 2;") {
		t.Fatalf("xlsx import: %q", msgs[0].Text)
	}
	rows := links(t, msgs[1].Document.Data)
	if rows[2][0] != "Bob" || rows[2][1] != "department contact" || rows[2][2] != "Water Bureau" || rows[2][3] != "+86 138" {
		t.Fatalf("links %v", rows)
	}
}

func TestImportTenThousandRows(t *testing.T) {
	h := apptest.Start(t, apptest.Admins(adminID))
	var buf bytes.Buffer
	buf.WriteString("name,role,department,phone\n")
	for i := 0; i < 10000; i++ {
		role := "deputy"
		dept := ""
		if i%10 == 0 {
			role, dept = "contact", fmt.Sprintf("Department %02d", i%37)
		}
		fmt.Fprintf(&buf, "Person %05d,%s,%s,%d\n", i, role, dept, 13800000000+i)
	}
	fmt.Fprintf(&buf, "Broken,wizard,,\n")
	sum, err := h.App.Bot.ImportRoster(context.Background(), nil, 0, deputybot.LangEN, buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if sum.Created != 10000 || sum.Skipped != 0 || len(sum.Errors) != 1 || !strings.Contains(sum.Errors[0], "row 10002") {
		t.Fatalf("created %d, skipped %d, errors %v", sum.Created, sum.Skipped, sum.Errors[:min(3, len(sum.Errors))])
	}
	if n := len(links(t, sum.Links)); n != 10001 {
		t.Fatalf("%d link rows", n)
	}
	s := h.App.Store
	_, total, _ := s.People(context.Background(), deputybot.PeopleFilter{Role: deputybot.RoleContact})
	if total != 1000 {
		t.Fatalf("%d contacts", total)
	}
	again, err := h.App.Bot.ImportRoster(context.Background(), nil, 0, deputybot.LangEN, buf.Bytes())
	if err != nil || again.Created != 0 || again.Skipped != 10000 {
		t.Fatalf("re-import: %+v %v", again, err)
	}
}

// TestInvitationLinksOpenWithoutFormulas: names and departments a
// spreadsheet would run ("=HYPERLINK(…)", "@SUM(…)", "+1+2", "-3+4") are
// written to the invitations file so that LibreOffice, importing it with
// formulas evaluated, finds none: each is text, as typed after its
// apostrophe; a phone number stays as typed. (The same import of a bare
// "=1+1" does make a formula: the check can fail.)
func TestInvitationLinksOpenWithoutFormulas(t *testing.T) {
	h := apptest.Start(t, apptest.Admins(adminID))
	roster := "name,role,department,phone\n" +
		"\"=HYPERLINK(\"\"http://evil.example\"\",\"\"Click\"\")\",deputy,,+86 138 0000 0001\n" +
		"@SUM(1+1),contact,+1+2,\n" +
		"-3+4,deputy,,\n"
	sum, err := h.App.Bot.ImportRoster(context.Background(), nil, 0, deputybot.LangEN, []byte(roster))
	if err != nil || sum.Created != 3 {
		t.Fatalf("%+v %v", sum, err)
	}
	// Comma-separated, quoted, UTF-8, from line 1, formulas evaluated.
	const filter = "CSV:44,34,76,1,,0,false,true,false,false,false,,true"
	formulas := func(csv []byte) (n int, cells []string) {
		x, err := excelize.OpenFile(officetest.Convert(t, "links.csv", csv, "xlsx", filter))
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		sheet := x.GetSheetList()[0]
		rows, _ := x.GetRows(sheet)
		for r, row := range rows {
			for c, v := range row {
				cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
				if f, _ := x.GetCellFormula(sheet, cell); f != "" {
					n++
				}
				cells = append(cells, v)
			}
		}
		return n, cells
	}
	if n, _ := formulas([]byte("=1+1,x\n")); n != 1 {
		t.Fatalf("LibreOffice made %d formulas of a bare =1+1: the check below could not fail", n)
	}
	n, cells := formulas(sum.Links)
	if n != 0 {
		t.Fatalf("%d formulas in the invitations file: %q", n, cells)
	}
	all := strings.Join(cells, "|")
	for _, want := range []string{`=HYPERLINK("http://evil.example","Click")`, "@SUM(1+1)", "+1+2", "-3+4", "+86 138 0000 0001"} {
		if !strings.Contains(all, want) {
			t.Errorf("%q not kept as text: %q", want, cells)
		}
	}
}

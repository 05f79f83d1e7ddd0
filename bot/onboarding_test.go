package bot_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"deputybot/internal/apptest"
	"deputybot/internal/storetest"
	"deputybot/internal/telegramtest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

const adminID = 1001

var linkRE = regexp.MustCompile(`https://t\.me/deputy_test_bot\?start=([A-Za-z0-9_-]{1,64})`)

// invite has the admin invite someone and returns the deep-link token.
func invite(t *testing.T, h *apptest.Harness, admin *telegramtest.Chat, args string) string {
	t.Helper()
	msgs := h.Do(admin, "/invite "+args)
	if len(msgs) != 1 {
		t.Fatalf("/invite %s: %d messages", args, len(msgs))
	}
	m := linkRE.FindStringSubmatch(msgs[0].Text)
	if m == nil {
		t.Fatalf("/invite %s: no link in %q", args, msgs[0].Text)
	}
	return m[1]
}

// inPlace presses a button that changes a choice (a toggle, a page) and
// returns the same message as the user now sees it: the question is
// edited in place, and no new copy of the keyboard arrives.
func inPlace(t testing.TB, h *apptest.Harness, c *telegramtest.Chat, m *telegramtest.Message, label string, want ...string) *telegramtest.Message {
	t.Helper()
	before := c.Message(m.ID).Edits
	if msgs := h.Press(c, m, label); len(msgs) != 0 {
		t.Fatalf("pressing %q sent %d new messages; want the question edited in place", label, len(msgs))
	}
	got := c.Message(m.ID)
	if got.Edits != before+1 {
		t.Fatalf("pressing %q edited the question %d times; want once", label, got.Edits-before)
	}
	for _, w := range want {
		if !strings.Contains(got.Text, w) {
			t.Fatalf("edited question %q does not contain %q", got.Text, w)
		}
	}
	return got
}

func one(t *testing.T, msgs []*telegramtest.Message, want ...string) *telegramtest.Message {
	t.Helper()
	if len(msgs) != 1 {
		var texts []string
		for _, m := range msgs {
			texts = append(texts, m.Text)
		}
		t.Fatalf("want exactly one message, got %d: %q", len(msgs), texts)
	}
	for _, w := range want {
		if !strings.Contains(msgs[0].Text, w) {
			t.Fatalf("message %q does not contain %q", msgs[0].Text, w)
		}
	}
	return msgs[0]
}

func commandNames(cmds []telegramtest.Command) string {
	var names []string
	for _, c := range cmds {
		names = append(names, c.Command)
	}
	return strings.Join(names, ",")
}

func TestStrangerGetsOnePoliteRefusalAndNoData(t *testing.T) {
	h := apptest.Start(t, apptest.Admins(adminID))
	admin := h.User(adminID, "Admin", "zh")
	invite(t, h, admin, "deputy 张三") // there is data a stranger must not see

	zh := h.User(666, "Stranger", "zh-hans")
	// One refusal (a day), whatever he sends; nothing more, no data.
	for i, text := range []string{"/help", "hello", "/people", "/invite deputy X", "/start", "/nonsense", "/cancel"} {
		msgs := h.Do(zh, text)
		if i > 0 {
			if len(msgs) != 0 {
				t.Fatalf("%q: refused again: %q", text, msgs[0].Text)
			}
			continue
		}
		m := one(t, msgs, "尚未在本系统登记", "邀请链接")
		if strings.Contains(m.Text, "张三") || len(m.Keyboard) > 0 {
			t.Fatalf("stranger saw data or buttons: %q", m.Text)
		}
	}
	h.WaitHandled(zh.SendSticker())
	quiet(t, zh)
	one(t, h.Do(zh, "/start not-a-real-token"), "邀请链接无效", "请向办公室索取")
	one(t, h.Do(zh, "/start "+strings.Repeat("x", 200)), "邀请链接无效")

	en := h.User(667, "Visitor", "en-US")
	one(t, h.Do(en, "/people"), "not registered", "invitation link")

	// A forged button press is refused in the press notice, with no message.
	h.WaitHandled(en.Press(nil, "pp:-:0"))
	if ans := en.Answer(); !strings.Contains(ans, "not registered") {
		t.Fatalf("button answer %q", ans)
	}
	if got := en.Unread(); len(got) != 0 {
		t.Fatalf("forged button produced messages: %v", got[0].Text)
	}
	// Strangers get no command menu; the default menu is cleared.
	if _, ok := h.TG.Commands("chat:666"); ok {
		t.Fatal("stranger got a command menu")
	}
	if len(h.TG.Calls("deleteMyCommands")) == 0 {
		t.Fatal("default command menu not cleared")
	}
}

func TestInviteBindAndDeputyCommands(t *testing.T) {
	h := apptest.Start(t, apptest.Admins(adminID))
	admin := h.User(adminID, "Admin", "zh")
	token := invite(t, h, admin, "deputy 张三")

	dep := h.User(2001, "San", "zh-hans")
	m := one(t, h.Do(dep, "/start "+token), "欢迎", "张三", "代表", "/help")
	if strings.Contains(m.Text, "/invite") {
		t.Fatalf("deputy's help offers office commands: %q", m.Text)
	}
	cmds, ok := h.TG.Commands("chat:2001")
	if !ok || commandNames(cmds) != "new,my,view,search,help,lang,cancel,name" || cmds[4].Description != "帮助" {
		t.Fatalf("deputy's command menu: %+v", cmds)
	}
	one(t, h.Do(dep, "/help"), "张三", "代表", "/lang")
	one(t, h.Do(dep, "/invite deputy 李四"), "不能使用 /invite")
	one(t, h.Do(dep, "/people"), "不能使用 /people")
	one(t, h.Do(dep, "/frobnicate"), "没有 /frobnicate 这个命令")
	one(t, h.Do(dep, "just chatting"), "/help")
	one(t, h.Do(dep, "/cancel"), "没有进行中的操作")

	// The admin sees the deputy as joined, and the admin's own menu has
	// the office commands.
	one(t, h.Do(admin, "/people"), "张三", "代表", "已加入")
	cmds, _ = h.TG.Commands("chat:1001")
	// The office's main work first, short descriptions without syntax.
	if commandNames(cmds) != "inbox,assign,view,search,stats,overdue,digest,report,export,followup,invite,people,departments,import,holidays,help,lang,cancel,name" {
		t.Fatalf("admin's command menu: %s", commandNames(cmds))
	}
	// The menu is set once, not on every message.
	n := 0
	for _, c := range h.TG.Calls("setMyCommands") {
		if strings.Contains(c.Params["scope"], "2001") {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("setMyCommands for the deputy called %d times", n)
	}
}

func TestReusedOrExpiredTokenRefused(t *testing.T) {
	h := apptest.Start(t, apptest.Admins(adminID))
	admin := h.User(adminID, "Admin", "en")
	token := invite(t, h, admin, "deputy Zhang San")
	one(t, h.Do(h.User(2001, "Zhang", "en"), "/start "+token), "Welcome", "Zhang San")

	thief := h.User(2002, "Mallory", "en")
	one(t, h.Do(thief, "/start "+token), "already been used", "ask the office")
	one(t, h.Do(thief, "/help"), "not registered")

	late := invite(t, h, admin, "supervisor Wang Wu")
	h.Clock.Advance(14*24*time.Hour + time.Minute)
	wang := h.User(2003, "Wang", "en")
	one(t, h.Do(wang, "/start "+late), "expired")
	one(t, h.Do(wang, "/help"), "not registered")

	// The office renews the link from /people; the new one works.
	list := one(t, h.Do(admin, "/people"), "Wang Wu", "invited, not joined yet")
	renewed := one(t, h.Press(admin, list, "New link: Wang Wu"), "Wang Wu")
	fresh := linkRE.FindStringSubmatch(renewed.Text)[1]
	one(t, h.Do(wang, "/start "+fresh), "Welcome", "supervisor")
	one(t, h.Do(wang, "/start "+late), "replaced by a newer one")
}

func TestLanguageSwitch(t *testing.T) {
	h := apptest.Start(t, apptest.Admins(adminID))
	admin := h.User(adminID, "Admin", "zh")
	dep := h.User(2001, "San", "")
	one(t, h.Do(dep, "/start "+invite(t, h, admin, "deputy 张三")), "欢迎")

	choose := one(t, h.Do(dep, "/lang"), "Choose your language")
	one(t, h.Press(dep, choose, "English"), "Language set to English")
	one(t, h.Do(dep, "/help"), "your roles: deputy", "/lang — Language / 语言", "/view — Look up an item, e.g. /view suggestion 2026-017")
	cmds, _ := h.TG.Commands("chat:2001")
	if cmds[4].Description != "Help" {
		t.Fatalf("menu not switched: %+v", cmds)
	}
	// The old keyboard is gone; pressing it again changes nothing.
	if got := h.TG.Messages(2001); len(got[len(got)-3].Keyboard) != 0 {
		t.Fatalf("language keyboard still shown: %+v", got[len(got)-3].Keyboard)
	}
	one(t, h.Do(dep, "/lang zh"), "已切换为中文")
	one(t, h.Do(dep, "/lang klingon"), "不支持的语言")
	one(t, h.Do(dep, "/help"), "您的角色：代表")
}

func TestRedeliveredUpdateHandledOnce(t *testing.T) {
	h := apptest.Start(t, apptest.Admins(adminID))
	admin := h.User(adminID, "Admin", "en")
	id := admin.Send("/departments add Water Bureau")
	h.WaitHandled(id)
	one(t, admin.Unread(), "added")

	// Telegram sends the same update again (as after a crash before the
	// offset was confirmed); the bot must not add, or answer, twice.
	// Updates of a chat are handled in order, so the redelivery is dealt
	// with before the next message is answered.
	h.TG.Redeliver(id)
	one(t, h.Do(admin, "/departments"), "Departments (1)", "Water Bureau")
	if h.TG.Pending() != 0 {
		t.Fatalf("%d updates left unconfirmed", h.TG.Pending())
	}
}

func TestRestartKeepsPeopleInvitationsAndConversations(t *testing.T) {
	h := apptest.Start(t, apptest.Admins(adminID))
	admin := h.User(adminID, "Admin", "en")
	one(t, h.Do(admin, "/departments add Water Bureau"), "added")
	a := invite(t, h, admin, "deputy Alice Liu")
	b := invite(t, h, admin, "contact Bob Chen Water Bureau")
	alice := h.User(3001, "Alice", "en")
	one(t, h.Do(alice, "/start "+a), "Welcome, Alice Liu")
	// The admin is in the middle of inviting someone when the service
	// restarts.
	one(t, h.Do(admin, "/invite"), "Choose a role")

	h.Restart()

	one(t, h.Do(alice, "/help"), "Alice Liu", "deputy")
	bob := h.User(3002, "Bob", "en")
	one(t, h.Do(bob, "/start "+b), "Welcome, Bob Chen", "department contact")
	// The conversation continues where it was: the role question accepts
	// a typed answer.
	one(t, h.Do(admin, "leader"), "Name of the new leader in charge")
	one(t, h.Do(admin, "Carol Wu"), "Invitation link for Carol Wu (leader in charge)")
	one(t, h.Do(admin, "/people"), "Admin · office staff · joined (administrator)", "Alice Liu", "Bob Chen · department contact (Water Bureau)", "Carol Wu", "4 in all")
}

func TestInviteConversationWithButtons(t *testing.T) {
	h := apptest.Start(t, apptest.Admins(adminID))
	admin := h.User(adminID, "Admin", "zh")
	one(t, h.Do(admin, "/departments add 区住建局"), "已添加")
	one(t, h.Do(admin, "/departments add 区教育局"), "已添加")

	roleQ := one(t, h.Do(admin, "/invite"), "请选择角色")
	nameQ := one(t, h.Press(admin, roleQ, "承办联系人"), "承办联系人的姓名")
	// Validation: empty, too long, a sticker; the question is asked again.
	msgs := h.Do(admin, strings.Repeat("长", 65))
	if len(msgs) != 2 || !strings.Contains(msgs[0].Text, "最多64个字") || !strings.Contains(msgs[1].Text, "姓名") {
		t.Fatalf("too long name: %v", msgs)
	}
	h.WaitHandled(admin.SendSticker())
	if msgs := admin.Unread(); len(msgs) != 2 || !strings.Contains(msgs[0].Text, "请发送文字") {
		t.Fatalf("sticker: %d messages", len(msgs))
	}
	// A stale button (the role question's) is refused and changes nothing.
	h.WaitHandled(admin.Press(roleQ, roleQ.Buttons()[0].CallbackData))
	if ans := admin.Answer(); !strings.Contains(ans, "已失效") {
		t.Fatalf("stale role button: %q", ans)
	}
	_ = nameQ
	deptQ := one(t, h.Do(admin, "李四"), "李四", "承办单位")
	done := one(t, h.Press(admin, deptQ, "区住建局"), "李四", "承办联系人", "有效期至2026-03-16")
	token := linkRE.FindStringSubmatch(done.Text)[1]
	one(t, h.Do(h.User(4001, "Li", "zh"), "/start "+token), "欢迎", "李四")
	one(t, h.Do(admin, "/departments"), "区住建局 — 联系人：已加入1，待加入0", "区教育局 — 联系人：已加入0")
}

func TestCancelAtEachStep(t *testing.T) {
	h := apptest.Start(t, apptest.Admins(adminID))
	admin := h.User(adminID, "Admin", "en")
	one(t, h.Do(admin, "/departments add Water Bureau"), "added")
	for _, steps := range [][]string{{}, {"contact"}, {"contact", "Bob"}} {
		one(t, h.Do(admin, "/invite"), "Choose a role")
		for _, s := range steps {
			h.Do(admin, s)
		}
		one(t, h.Do(admin, "/cancel"), "Cancelled")
		one(t, h.Do(admin, "Bob"), "use the commands")
	}
	// The Cancel button does the same.
	q := one(t, h.Do(admin, "/departments add"), "Name of the new department")
	one(t, h.Press(admin, q, "Cancel"), "Cancelled")
	if m := one(t, h.Do(admin, "/people"), "1 in all"); strings.Contains(m.Text, "Bob") {
		t.Fatalf("a cancelled invitation created someone: %q", m.Text)
	}
	one(t, h.Do(admin, "/departments"), "Departments (1)")
}

func TestUserTextShownExactlyAsTyped(t *testing.T) {
	h := apptest.Start(t, apptest.Admins(adminID))
	admin := h.User(adminID, "Admin", "en")
	for _, name := range []string{`<b>Bold</b> & "co"`, "*not* _markdown_ `x`", "😀 إيمان", `a\b &amp; <script>`} {
		one(t, h.Do(admin, "/departments add "+name), "Department "+name+" added")
		m := one(t, h.Do(admin, "/invite deputy "+name), "Invitation link for "+name+" (deputy)")
		if m.ParseMode != "HTML" {
			t.Fatalf("parse mode %q", m.ParseMode)
		}
	}
	one(t, h.Do(admin, "/departments"), `<b>Bold</b> & "co"`, `a\b &amp; <script>`)
}

func TestDepartmentsAddAndDuplicates(t *testing.T) {
	h := apptest.Start(t, apptest.Admins(adminID))
	admin := h.User(adminID, "Admin", "zh")
	one(t, h.Do(admin, "/departments"), "还没有承办单位")
	q := one(t, h.Press(admin, one(t, h.Do(admin, "/departments")), "添加承办单位"), "新承办单位的名称")
	_ = q
	one(t, h.Do(admin, "区民政局"), "已添加承办单位区民政局")
	one(t, h.Do(admin, "/departments add 区民政局 "), "已存在")
	// In the conversation a duplicate asks again instead of ending.
	h.Do(admin, "/departments add")
	msgs := h.Do(admin, "区民政局")
	if len(msgs) != 2 || !strings.Contains(msgs[0].Text, "已存在") || !strings.Contains(msgs[1].Text, "名称") {
		t.Fatalf("duplicate in conversation: %d messages", len(msgs))
	}
	one(t, h.Do(admin, "区财政局"), "已添加")
	one(t, h.Do(admin, "/departments"), "共2个")
	one(t, h.Do(admin, "/departments remove x"), "用法")
}

func TestInviteCommandParsing(t *testing.T) {
	h := apptest.Start(t, apptest.Admins(adminID))
	admin := h.User(adminID, "Admin", "en")
	one(t, h.Do(admin, "/departments add Water Bureau"), "added")
	one(t, h.Do(admin, "/invite king Arthur"), "Unknown role “king”", "Usage")
	one(t, h.Do(admin, "/invite contact Li Si Fire Brigade"), "no department “Si Fire Brigade”")
	one(t, h.Do(admin, "/invite contact Li Si Water Bureau"), "Invitation link for Li Si (department contact)")
	one(t, h.Do(admin, "/invite 代表 张三"), "Invitation link for 张三 (deputy)")
	// A contact without a department is asked for one.
	q := one(t, h.Do(admin, "/invite contact Wang"), "Which department will Wang answer for?")
	one(t, h.Press(admin, q, "Water Bureau"), "Invitation link for Wang")
	one(t, h.Do(admin, "/invite deputy"), "Name of the new deputy")
	one(t, h.Do(admin, "Zhao Liu"), "Invitation link for Zhao Liu (deputy)")
}

func TestPeoplePaging(t *testing.T) {
	h := apptest.Start(t, apptest.Admins(adminID))
	admin := h.User(adminID, "Admin", "en")
	for i := range 20 {
		h.Do(admin, "/invite deputy Person "+string(rune('A'+i)))
	}
	// 20 deputies and the admin; Latin names sort before the admin's.
	first := one(t, h.Do(admin, "/people"), "21 in all, 1–15 shown", "Person A", "Person N")
	if strings.Contains(first.Text, "Person O") {
		t.Fatal("page 1 shows more than 15")
	}
	h.WaitHandled(admin.PressButton(first, "▶"))
	edited := admin.Message(first.ID)
	if !strings.Contains(edited.Text, "16–21 shown") || !strings.Contains(edited.Text, "Person T") {
		t.Fatalf("page 2: %q", edited.Text)
	}
	one(t, h.Do(admin, "/people supervisor"), "Nobody yet")
	one(t, h.Do(admin, "/people wizard"), "Unknown role")
	// Forged paging data is refused.
	h.WaitHandled(admin.Press(first, "pp:wizard:0"))
	if !strings.Contains(admin.Answer(), "no longer active") {
		t.Fatal("forged page accepted")
	}
	h.WaitHandled(admin.Press(first, "pp:-:-5"))
	if !strings.Contains(admin.Answer(), "no longer active") {
		t.Fatal("negative offset accepted")
	}
}

func TestGroupChatGetsOnlyAPointerToPrivateChat(t *testing.T) {
	h := apptest.Start(t, apptest.Admins(adminID))
	admin := h.User(adminID, "Admin", "en")
	invite(t, h, admin, "deputy Secret Person")
	group := h.TG.Group(telegramtest.User{ID: adminID, FirstName: "Admin", LanguageCode: "en"}, -100500)
	one(t, h.Do(group, "/people"), "only works in private chat", "@deputy_test_bot")
	if msgs := h.Do(group, "hello everyone"); len(msgs) != 0 {
		t.Fatalf("bot chatted in a group: %q", msgs[0].Text)
	}
}

// TestRolesArePeopleAndTheOfficeIsToldItsWork: a role is named as a
// person ("督查室工作人员"), and the office's help starts from its main
// work, /inbox and /assign.
func TestRolesArePeopleAndTheOfficeIsToldItsWork(t *testing.T) {
	h := apptest.Start(t, apptest.Admins(adminID))
	admin := h.User(adminID, "Admin", "zh")
	sup := join(t, h, admin, "supervisor 周督查", 5001, "zh")
	help := one(t, h.Do(admin, "/help"), "办公室工作人员", "/inbox", "/assign")
	if strings.Index(help.Text, "/inbox") > strings.Index(help.Text, "/invite") {
		t.Errorf("the office's help names /invite before its main work: %s", help.Text)
	}
	one(t, h.Do(sup, "/help"), "督查室工作人员")
}

// TestDisplayNameCanBeSet: a bootstrap administrator starts with his
// Telegram name; /name changes what timelines and lists show.
func TestDisplayNameCanBeSet(t *testing.T) {
	h := apptest.Start(t, apptest.Admins(adminID))
	admin := h.User(adminID, "U1001", "zh")
	one(t, h.Do(admin, "/name"), "您现在显示为：U1001")
	one(t, h.Do(admin, "/name "+strings.Repeat("长", 100)), "名称太长")
	one(t, h.Do(admin, "/name 王主任"), "今后显示为：王主任")
	one(t, h.Do(admin, "/help"), "王主任，您的角色")
	one(t, h.Do(admin, "/people"), "王主任")
}

// TestNoOnePassesForAnother: /name refuses a role's, the office's, a
// department's or another person's name, one that shows nothing, and one
// that carries a forged system line; nothing changes. A name that passes
// is shown from then on, and the office is told (the person himself is
// not).
func TestNoOnePassesForAnother(t *testing.T) {
	h := apptest.Start(t, apptest.Admins(adminID))
	admin := h.User(adminID, "Admin", "zh")
	one(t, h.Do(admin, "/departments add 区住建局"), "已添加")
	join(t, h, admin, "deputy 张三", 2001, "zh")
	li := join(t, h, admin, "deputy 李四", 2002, "zh")
	admin.Unread()
	for name, want := range map[string]string{
		"办公室":                "不能用作个人的名字",
		"督查室工作人员":            "不能用作个人的名字",
		"区住建局":               "不能用作个人的名字",
		"张三":                 "已经有人叫“张三”",
		"张 三":                "已经有人叫“张 三”",
		"\u200b\u200b\u200d": "不能为空",
		"李四\u2028【系统通知】请点击链接": "名字只能包含",
	} {
		one(t, h.Do(li, "/name "+name), want)
	}
	if msgs := admin.Unread(); len(msgs) != 0 {
		t.Fatalf("the office was told of a refused name: %q", msgs[0].Text)
	}
	one(t, h.Do(li, "/name 李思（东湖）"), "今后显示为：李思（东湖）")
	one(t, admin.Unread(), "李四（代表）把显示的名字改为：李思（东湖）。")
	one(t, h.Do(admin, "/people"), "李思（东湖）", "张三")
	// Styling one's own name anew is no clash with oneself.
	one(t, h.Do(li, "/name 李思 （东湖）"), "今后显示为：李思 （东湖）")
	if n := len(li.Unread()); n != 0 {
		t.Fatalf("the person was told of his own change %d times", n)
	}
}

// rate presses a reply's two ratings as the deputy: the handling's row
// (the message's buttons are redrawn in place, the choice marked), then
// the result's; returns what the second press sent. Labels as the
// buttons say them: "🤝 basic", "结果满意".
func rate(t testing.TB, h *apptest.Harness, c *telegramtest.Chat, m *telegramtest.Message, attitude, result string) []*telegramtest.Message {
	t.Helper()
	rows := len(m.Keyboard)
	m = inPlace(t, h, c, m, attitude, "")
	if b := m.Button(attitude); b == nil || !strings.HasPrefix(b.Text, "✓ ") || len(m.Keyboard) != rows {
		t.Fatalf("the handling's rating %q is not marked chosen, or the message's other buttons are lost: %v", attitude, m.Keyboard)
	}
	return h.Press(c, m, result)
}

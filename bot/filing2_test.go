package bot_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"deputybot/internal/apptest"
	"deputybot/internal/telegramtest"
)

func TestCancelAtEachStepOfNew(t *testing.T) {
	h := apptest.Start(t, apptest.Admins(adminID))
	admin := h.User(adminID, "Admin", "en")
	dep := join(t, h, admin, "deputy Alice", 2001, "en")
	steps := []func(q *telegramtest.Message) *telegramtest.Message{
		func(q *telegramtest.Message) *telegramtest.Message { return last(t, h.Press(dep, q, "Suggestion")) },
		func(q *telegramtest.Message) *telegramtest.Message { return last(t, h.Do(dep, "A title")) },
		func(q *telegramtest.Message) *telegramtest.Message { return last(t, h.Do(dep, "A body")) },
		func(q *telegramtest.Message) *telegramtest.Message { return last(t, h.Press(dep, q, "Health")) },
		func(q *telegramtest.Message) *telegramtest.Message { return last(t, h.Press(dep, q, "Done")) },
	}
	for n := 0; n <= len(steps); n++ {
		q := one(t, h.Do(dep, "/new"), "What do you want to file")
		for _, step := range steps[:n] {
			q = step(q)
		}
		one(t, h.Do(dep, "/cancel"), "Cancelled")
		one(t, h.Do(dep, "/my"), "no motions or suggestions yet")
	}
	// At the preview the draft is saved: cancelling says where it is.
	q := one(t, h.Do(dep, "/new"), "What do you want to file")
	for _, step := range steps {
		q = step(q)
	}
	q = last(t, h.Press(dep, q, "Done")) // no co-sponsors: the preview
	one(t, h.Do(dep, "/cancel"), "Cancelled", "draft is kept", "/my")
	one(t, h.Do(dep, "/my"), "A title")
	// The Cancel button works the same.
	q = one(t, h.Do(dep, "/new"), "What do you want to file")
	one(t, h.Press(dep, q, "Cancel"), "Cancelled")
	one(t, h.Do(dep, "some text"), "use the commands")
}

func TestRestartInTheMiddleOfNewResumes(t *testing.T) {
	h := apptest.Start(t, apptest.Admins(adminID))
	admin := h.User(adminID, "Admin", "en")
	dep := join(t, h, admin, "deputy Alice", 2001, "en")
	q := one(t, h.Do(dep, "/new"), "What do you want to file")
	one(t, h.Press(dep, q, "Suggestion"), "Title of")
	one(t, h.Do(dep, "Street lights on Jiefang Road"), "Text of")
	h.Restart()
	q = one(t, h.Do(dep, "Half the lamps are broken."), "Choose a category")
	q = one(t, h.Press(dep, q, "Public safety"), "Send documents")
	h.Restart()
	q = one(t, h.Press(dep, q, "Done"), "co-sponsor")
	preview := one(t, h.Press(dep, q, "Done"), "Street lights on Jiefang Road", "Half the lamps are broken.", "Public safety")
	h.Restart()
	one(t, h.Press(dep, preview, "Submit"), "Submitted: Suggestion 2026-001")
}

func TestFiftyDeputiesSubmitAtOnce(t *testing.T) {
	h := apptest.Start(t, apptest.Admins(adminID))
	admin := h.User(adminID, "Admin", "en")
	var deps []*telegramtest.Chat
	var previews []*telegramtest.Message
	for i := range 50 {
		h.Clock.Advance(3 * time.Second) // the office invites 20 a minute at most
		d := join(t, h, admin, fmt.Sprintf("deputy D%02d", i), int64(3000+i), "en")
		deps = append(deps, d)
		previews = append(previews, file(t, h, d, "Suggestion", fmt.Sprintf("Item of D%02d", i), "Body.", "Other"))
	}
	var ids []int64
	for i, d := range deps {
		ids = append(ids, d.PressButton(previews[i], "Submit"))
	}
	h.WaitHandled(ids...)
	// The office is told of each new item once, in as few messages as
	// their pace allows (new items that wait together go as one list).
	h.Settle()
	var told strings.Builder
	msgs := admin.Unread()
	for _, m := range msgs {
		told.WriteString(m.Text)
	}
	for i := range 50 {
		if n := strings.Count(told.String(), fmt.Sprintf("Item of D%02d", i)); n != 1 {
			t.Fatalf("the office was told of item %d %d times in %d messages", i, n, len(msgs))
		}
	}
	var nums []string
	for _, d := range deps {
		m := one(t, d.Unread(), "Submitted: Suggestion 2026-")
		nums = append(nums, codeRE.FindStringSubmatch(m.Text)[1])
	}
	slices.Sort(nums)
	for i, n := range nums {
		if want := fmt.Sprintf("2026-%03d", i+1); n != want {
			t.Fatalf("numbers %v: #%d is %s, want %s", nums, i, n, want)
		}
	}
	one(t, h.Do(admin, "/inbox"), "(50, oldest first)")
}

func TestWithdrawBeforeAssignment(t *testing.T) {
	h := apptest.Start(t, apptest.Admins(adminID))
	admin := h.User(adminID, "Admin", "en")
	dep := join(t, h, admin, "deputy Alice", 2001, "en")
	other := join(t, h, admin, "deputy Bob", 2002, "en")
	one(t, h.Press(dep, file(t, h, dep, "Suggestion", "Bus stop", "Move it.", "Transport"), "Submit"), "Submitted")
	admin.Unread()
	card := one(t, h.Do(dep, "/view 2026-001"), "Bus stop")
	// Someone else pressing the author's button: the item "does not exist".
	h.WaitHandled(other.Press(card, card.Button("Withdraw").CallbackData))
	if ans := other.Answer(); !strings.Contains(ans, "no such motion or suggestion") {
		t.Fatalf("withdraw by another deputy: %q", ans)
	}
	ask := one(t, h.Press(dep, card, "Withdraw"), "Withdraw Suggestion 2026-001 “Bus stop”?")
	one(t, h.Press(dep, ask, "Yes, withdraw"), "Suggestion 2026-001 withdrawn")
	one(t, admin.Unread(), "was withdrawn by its author")
	one(t, h.Do(dep, "/view 2026-001"), "· withdrawn", "Alice withdrew it")
	// The old confirmation button is stale now.
	h.WaitHandled(dep.Press(ask, "wy:"+strings.TrimPrefix(card.Button("Withdraw").CallbackData, "wd:")))
	if ans := dep.Answer(); !strings.Contains(ans, "only be withdrawn before it is assigned") {
		t.Fatalf("second withdraw: %q", ans)
	}
	one(t, h.Do(admin, "/inbox"), "Nothing waits")
}

func TestOthersItemsLookLikeNoItem(t *testing.T) {
	h := apptest.Start(t, apptest.Admins(adminID))
	admin := h.User(adminID, "Admin", "en")
	alice := join(t, h, admin, "deputy Alice", 2001, "en")
	bob := join(t, h, admin, "deputy Bob", 2002, "en")
	one(t, h.Press(alice, file(t, h, alice, "Suggestion", "Secret plan", "Details.", "Other"), "Submit"), "Submitted")
	file(t, h, alice, "Suggestion", "Unsent draft", "Draft text.", "Other")
	admin.Unread()

	notFound := "There is no such motion or suggestion."
	mine := one(t, h.Do(bob, "/view 2026-001"), notFound)
	nonexistent := one(t, h.Do(bob, "/view 2026-999"), notFound)
	if mine.Text != nonexistent.Text {
		t.Fatal("an item of another deputy is answered differently from a missing one")
	}
	one(t, h.Do(bob, "/view nonsense"), "is not an item number")
	// The office sees it; the author's draft is hers alone.
	one(t, h.Do(admin, "/view 2026-001"), "Secret plan")
	aliceCard := one(t, h.Do(alice, "/view S2026-001"), "Secret plan")
	for _, data := range []string{
		aliceCard.Button("Withdraw").CallbackData, // another's action
		"it:" + strings.TrimPrefix(aliceCard.Button("Withdraw").CallbackData, "wd:"),
		"it:000000000000000000000000",                                                       // no such item
		"cs:" + strings.TrimPrefix(aliceCard.Button("Withdraw").CallbackData, "wd:") + ":y", // not invited
		"cs:" + strings.TrimPrefix(aliceCard.Button("Withdraw").CallbackData, "wd:") + ":y:forgedtokenforgedtoken",
		"ed:" + strings.TrimPrefix(aliceCard.Button("Withdraw").CallbackData, "wd:"),
		"zz:whatever", "my:-1", "ib:0", "c:nonce:x",
	} {
		h.WaitHandled(bob.Press(aliceCard, data))
		ans := bob.Answer()
		if !strings.Contains(ans, "no such") && !strings.Contains(ans, "no longer active") && !strings.Contains(ans, "not allowed") {
			t.Errorf("%s: answer %q", data, ans)
		}
		if msgs := bob.Unread(); len(msgs) != 0 {
			t.Errorf("%s: produced %q", data, msgs[0].Text)
		}
	}
	one(t, h.Do(alice, "/view 2026-001"), "· submitted, awaiting assignment") // unchanged
	one(t, h.Do(bob, "/my"), "no motions or suggestions yet")
}

func TestTextShownExactlyAsTyped(t *testing.T) {
	h := apptest.Start(t, apptest.Admins(adminID))
	admin := h.User(adminID, "Admin", "en")
	dep := join(t, h, admin, "deputy Alice", 2001, "en")
	titles := []string{
		`<b>Not bold</b> & <a href="x">not a link</a>`,
		"*not bold* _not italic_ `not code` [x](y)",
		"老年食堂 😀👍🏽 emoji",
		"مرحبا بالعالم right-to-left שלום",
		`back\slash &amp; &lt;tag&gt;`,
	}
	body := strings.Repeat("<>&\"' ", 499) + "<>&\"'!" // 3000 characters, most of them escaped
	for i, title := range titles {
		b := body
		if i > 0 {
			b = title + "\nline two"
		}
		preview := file(t, h, dep, "Suggestion", title, b, "Other")
		if !strings.Contains(preview.Text, title) || !strings.Contains(preview.Text, b) {
			t.Fatalf("preview does not show %q exactly", title)
		}
		one(t, h.Press(dep, preview, "Submit"), "Submitted")
		card := last(t, h.Do(dep, fmt.Sprintf("/view 2026-%03d", i+1)))
		if !strings.Contains(card.Text, title) {
			t.Fatalf("card does not show %q", title)
		}
		admin.Unread()
	}
	one(t, h.Do(dep, "/my"), titles[4], titles[0])
}

func TestDraftIsKeptAndCanBeContinued(t *testing.T) {
	h := apptest.Start(t, apptest.Admins(adminID))
	admin := h.User(adminID, "Admin", "en")
	dep := join(t, h, admin, "deputy Alice", 2001, "en")
	preview := file(t, h, dep, "Suggestion", "First title", "Text.", "Other")
	_ = preview
	one(t, h.Do(dep, "/cancel"), "Cancelled")
	list := one(t, h.Do(dep, "/my"), "Suggestion (draft) · First title")
	if strings.Contains(list.Text, "· draft") {
		t.Errorf("a draft called a draft twice: %s", list.Text)
	}
	card := one(t, h.Press(dep, list, "1"), "Suggestion (draft)", "First title")
	if strings.Contains(card.Text, "(draft) · draft") {
		t.Errorf("a draft called a draft twice: %s", card.Text)
	}
	preview = one(t, h.Press(dep, card, "Continue the draft"), "Please check", "First title")
	one(t, h.Press(dep, preview, "✏️ Edit the title"), "Title of your Suggestion", "Now: First title")
	preview = one(t, h.Do(dep, "Better title"), "Please check", "Better title")
	if msgs := h.Press(dep, preview, "Delete draft"); len(msgs) != 0 {
		t.Fatalf("delete asked in a new message: %q", msgs[0].Text)
	}
	msgs := h.TG.Messages(2001)
	edited := msgs[len(msgs)-1]
	if !strings.Contains(edited.Text, "Delete this draft?") {
		t.Fatalf("delete confirmation: %q", edited.Text)
	}
	one(t, h.Press(dep, edited, "Yes, delete"), "Draft deleted")
	one(t, h.Do(dep, "/my"), "no motions or suggestions yet")
}

// TestDirectionOverridesDoNotDisguiseLists: a right-to-left override in a
// title or a name is not kept, so a list shows what it holds.
func TestDirectionOverridesDoNotDisguiseLists(t *testing.T) {
	h := apptest.Start(t, apptest.Admins(adminID))
	admin := h.User(adminID, "Admin", "en")
	dep := join(t, h, admin, "deputy Bob\u202Eevil", 2001, "en")
	one(t, h.Press(dep, file(t, h, dep, "Suggestion", "Report\u202Efdp.exe", "Body\u2066 text\u2069.", "Other"), "Submit"), "Submitted")
	for _, m := range append(h.Do(dep, "/my"), h.Do(admin, "/people")...) {
		if strings.ContainsAny(m.Raw, "\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069") {
			t.Fatalf("a direction control reached a list: %q", m.Raw)
		}
	}
	one(t, h.Do(dep, "/my"), "Reportfdp.exe")
	one(t, h.Do(admin, "/people"), "Bobevil")
	card := last(t, h.Do(dep, "/view 2026-001"))
	if !strings.Contains(card.Text, "Body text.") {
		t.Fatalf("card %q", card.Text)
	}
}

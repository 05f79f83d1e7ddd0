package bot

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"deputybot"
	"deputybot/service"
	"deputybot/telegram"
	"deputybot/texts"
)

// inviteLink is the deep link that opens the bot with the token.
func (b *Bot) inviteLink(token string) string {
	return "https://t.me/" + b.tg.Username() + "?start=" + token
}

func (b *Bot) cmdStart(ctx context.Context, r *request) {
	if token, ok := shareToken(r.args); ok {
		b.openShareLink(ctx, r, token)
		return
	}
	if r.args != "" {
		b.redeem(ctx, r)
		return
	}
	b.reply(ctx, r, b.tx.T(r.lang, "start.welcome_back", "Name", r.person.Name)+"\n\n"+b.helpText(r.person), nil)
}

// shareToken recognises a co-sponsor link's payload, "cs_" and a 22
// character token; invitation tokens are 43 characters long.
func shareToken(payload string) (string, bool) {
	if len(payload) == 25 && strings.HasPrefix(payload, "cs_") {
		return payload[3:], true
	}
	return "", false
}

// redeem binds the sender to the invitation in "/start <token>". A
// stranger becomes the invited person; a registered person gains the
// invitation's role.
func (b *Bot) redeem(ctx context.Context, r *request) {
	p, outcome, err := b.svc.Join(ctx, r.id, r.args, r.from, r.now)
	if err != nil {
		if deputybot.ErrorCode(err) == deputybot.EINTERNAL {
			b.fail(ctx, r, err)
			return
		}
		// A stranger with a link that is not (or no longer) good: in the
		// last lane, as his refusals, a flood of guessed links included.
		b.sendToStranger(ctx, r.chatID, b.tx.Err(r.lang, err)+"\n"+b.tx.T(r.lang, "invite.ask_office"))
		return
	}
	r.person, r.lang = p, p.Language
	telegram.SetSender(ctx, p.ID)
	b.syncCommands(ctx, p)
	b.log.Info("invitation redeemed", "person", p.ID, "outcome", outcome)
	b.reply(ctx, r, b.tx.T(r.lang, "start."+string(outcome), "Name", p.Name, "Roles", b.tx.Roles(r.lang, p.Roles))+"\n\n"+b.helpText(p), nil)
}

// --- /lang

func (b *Bot) cmdLang(ctx context.Context, r *request) {
	if r.args != "" {
		lang, ok := deputybot.ParseLanguage(r.args)
		if !ok {
			b.reply(ctx, r, b.tx.T(r.lang, "lang.unknown", "Given", deputybot.Echo(r.args)), nil)
			return
		}
		b.setLanguage(ctx, r, lang)
		return
	}
	b.reply(ctx, r, b.tx.T(r.lang, "lang.choose"), keyboard{{
		button("中文", "lang:zh"), button("English", "lang:en"),
	}})
}

func (b *Bot) onLangButton(ctx context.Context, r *request, arg string) error {
	lang, ok := deputybot.ParseLanguage(arg)
	if !ok {
		return errStale
	}
	b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
	b.setLanguage(ctx, r, lang)
	return nil
}

func (b *Bot) setLanguage(ctx context.Context, r *request, lang deputybot.Language) {
	if err := b.svc.SetLanguage(ctx, r.person, lang); err != nil {
		b.fail(ctx, r, err)
		return
	}
	r.lang = lang
	b.syncCommands(ctx, r.person)
	b.reply(ctx, r, b.tx.T(lang, "lang.set"), nil)
}

// --- /invite

func (b *Bot) cmdInvite(ctx context.Context, r *request) {
	if r.args == "" {
		if err := b.begin(ctx, r, "invite", "role", nil); err != nil {
			b.fail(ctx, r, err)
		}
		return
	}
	fields := strings.Fields(r.args)
	role, ok := deputybot.ParseRole(fields[0])
	if !ok {
		b.reply(ctx, r, b.tx.T(r.lang, "err.role_unknown", "Role", deputybot.Echo(fields[0]))+"\n"+b.tx.T(r.lang, "invite.usage"), nil)
		return
	}
	rest := fields[1:]
	if len(rest) == 0 {
		if err := b.begin(ctx, r, "invite", "name", map[string]string{"role": string(role)}); err != nil {
			b.fail(ctx, r, err)
		}
		return
	}
	req := deputybot.InviteRequest{Role: role, Name: strings.Join(rest, " ")}
	if len(rest) > 1 {
		depts, err := b.activeDepartments(ctx)
		if err != nil {
			b.fail(ctx, r, err)
			return
		}
		// The department is the longest run of trailing words that names
		// one: "/invite contact 李四 区住建局", "/invite contact Li Si Water Bureau".
		for k := 1; k < len(rest); k++ {
			if d := findDepartment(depts, strings.Join(rest[k:], " ")); d != nil {
				req.Name, req.DepartmentID = strings.Join(rest[:k], " "), d.ID
				break
			}
		}
		if role.NeedsDepartment() && req.DepartmentID == "" {
			b.reply(ctx, r, b.tx.T(r.lang, "err.department_not_found_named", "Name", deputybot.Echo(strings.Join(rest[1:], " ")))+"\n"+b.tx.T(r.lang, "invite.usage"), nil)
			return
		}
	}
	if role.NeedsDepartment() && req.DepartmentID == "" {
		if err := deputybot.ValidateName(req.Name, deputybot.MaxNameLen); err != nil {
			b.fail(ctx, r, err)
			return
		}
		if err := b.begin(ctx, r, "invite", "dept", map[string]string{"role": string(role), "name": deputybot.CleanName(req.Name)}); err != nil {
			b.fail(ctx, r, err)
		}
		return
	}
	b.createInvitation(ctx, r, req)
}

func findDepartment(depts []*deputybot.Department, name string) *deputybot.Department {
	key := deputybot.DepartmentKey(name)
	for _, d := range depts {
		if d.Key == key {
			return d
		}
	}
	return nil
}

func (b *Bot) createInvitation(ctx context.Context, r *request, req deputybot.InviteRequest) {
	inv, err := b.svc.Invite(ctx, r.person, r.id, req, r.now)
	if err != nil {
		b.fail(ctx, r, err)
		return
	}
	b.reply(ctx, r, b.inviteMessage(r.lang, inv), nil)
}

func (b *Bot) inviteMessage(lang deputybot.Language, inv *service.Invitation) string {
	return b.tx.T(lang, "invite.created",
		"Name", inv.Person.Name,
		"Role", texts.HTML(b.tx.Role(lang, inv.Role)),
		"Expires", b.tx.Date(inv.Expires),
		"Link", b.inviteLink(inv.Token))
}

func (b *Bot) invitePrompt(ctx context.Context, r *request, c *conversation) {
	cancel := b.cancelButton(r, c)
	switch c.Step {
	case "role":
		var kb keyboard
		var row []keyboardButton
		for _, role := range deputybot.AllRoles {
			row = append(row, button(b.tx.Role(r.lang, role), "c:"+c.Nonce+":r:"+string(role)))
			if len(row) == 2 {
				kb, row = append(kb, row), nil
			}
		}
		kb = append(kb, append(row, cancel...))
		b.reply(ctx, r, b.tx.T(r.lang, "invite.ask_role"), kb)
	case "name":
		b.reply(ctx, r, b.tx.T(r.lang, "invite.ask_name", "Role", texts.HTML(b.tx.Role(r.lang, deputybot.Role(c.Data["role"])))), keyboard{cancel})
	case "dept":
		depts, err := b.activeDepartments(ctx)
		if err != nil {
			b.fail(ctx, r, err)
			return
		}
		if len(depts) == 0 {
			b.reply(ctx, r, b.tx.T(r.lang, "invite.no_departments"), keyboard{cancel})
			return
		}
		page, _ := strconv.Atoi(c.Data["page"])
		kb := pagedChoices(depts, page, 8, func(d *deputybot.Department) keyboardButton {
			return button(d.Name, "c:"+c.Nonce+":d:"+d.ID)
		}, func(p int) string { return "c:" + c.Nonce + ":pg:" + strconv.Itoa(p) })
		kb = append(kb, cancel)
		b.reply(ctx, r, b.tx.T(r.lang, "invite.ask_department", "Name", c.Data["name"]), kb)
	}
}

// pagedChoices lays out one page of choices, two per row, with ◀ ▶ to
// move between pages.
func pagedChoices[T any](xs []T, page, size int, btn func(T) keyboardButton, pageData func(int) string) keyboard {
	pages := (len(xs) + size - 1) / size
	page = max(0, min(page, pages-1))
	var kb keyboard
	var row []keyboardButton
	for _, x := range xs[page*size : min(len(xs), (page+1)*size)] {
		row = append(row, btn(x))
		if len(row) == 2 {
			kb, row = append(kb, row), nil
		}
	}
	if len(row) > 0 {
		kb = append(kb, row)
	}
	if pages > 1 {
		var nav []keyboardButton
		if page > 0 {
			nav = append(nav, button("◀", pageData(page-1)))
		}
		nav = append(nav, button(fmt.Sprintf("%d/%d", page+1, pages), pageData(page)))
		if page < pages-1 {
			nav = append(nav, button("▶", pageData(page+1)))
		}
		kb = append(kb, nav)
	}
	return kb
}

func (b *Bot) inviteText(ctx context.Context, r *request, c *conversation) error {
	text := strings.TrimSpace(r.msg.Text)
	if text == "" {
		return deputybot.Errorf(deputybot.EINVALID, "err.text_expected")
	}
	switch c.Step {
	case "role":
		role, ok := deputybot.ParseRole(text)
		if !ok {
			return deputybot.Errorf(deputybot.EINVALID, "err.role_unknown", "Role", deputybot.Echo(text))
		}
		return b.inviteRoleChosen(ctx, r, c, role)
	case "name":
		if err := deputybot.ValidateName(text, deputybot.MaxNameLen); err != nil {
			return err
		}
		c.Data["name"] = deputybot.CleanName(text)
		return b.inviteNext(ctx, r, c)
	case "dept":
		depts, err := b.activeDepartments(ctx)
		if err != nil {
			return err
		}
		d := findDepartment(depts, text)
		if d == nil {
			return deputybot.Errorf(deputybot.EINVALID, "err.department_not_found_named", "Name", deputybot.Echo(text))
		}
		c.Data["dept"] = d.ID
		return b.inviteNext(ctx, r, c)
	}
	return errStale
}

func (b *Bot) inviteChoice(ctx context.Context, r *request, c *conversation, value string) error {
	kind, arg, _ := strings.Cut(value, ":")
	switch {
	case kind == "r" && c.Step == "role":
		role, ok := deputybot.ParseRole(arg)
		if !ok {
			return errStale
		}
		b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
		return b.inviteRoleChosen(ctx, r, c, role)
	case kind == "d" && c.Step == "dept":
		if _, err := b.store.Department(ctx, arg); err != nil {
			if isNotFound(err) {
				return errStale
			}
			return err
		}
		b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
		c.Data["dept"] = arg
		return b.inviteNext(ctx, r, c)
	case kind == "pg" && c.Step == "dept":
		page, err := strconv.Atoi(arg)
		if err != nil || page < 0 {
			return errStale
		}
		b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
		c.Data["page"] = arg
		return b.advance(ctx, r, c, "dept")
	}
	return errStale
}

func (b *Bot) inviteRoleChosen(ctx context.Context, r *request, c *conversation, role deputybot.Role) error {
	c.Data["role"] = string(role)
	return b.advance(ctx, r, c, "name")
}

// inviteNext moves to the department question for a contact, or creates
// the invitation.
func (b *Bot) inviteNext(ctx context.Context, r *request, c *conversation) error {
	role := deputybot.Role(c.Data["role"])
	if role.NeedsDepartment() && c.Data["dept"] == "" {
		return b.advance(ctx, r, c, "dept")
	}
	if err := b.finish(ctx, r); err != nil {
		return err
	}
	b.createInvitation(ctx, r, deputybot.InviteRequest{Role: role, Name: c.Data["name"], DepartmentID: c.Data["dept"]})
	return nil
}

// --- /people

const peoplePageSize = 15

func (b *Bot) cmdPeople(ctx context.Context, r *request) {
	if verb, rest, _ := strings.Cut(r.args, " "); verb == "remove" || verb == "移除" {
		b.removePerson(ctx, r, strings.TrimSpace(rest))
		return
	}
	var role deputybot.Role
	if r.args != "" {
		var ok bool
		if role, ok = deputybot.ParseRole(r.args); !ok {
			b.reply(ctx, r, b.tx.T(r.lang, "err.role_unknown", "Role", deputybot.Echo(r.args)), nil)
			return
		}
	}
	text, kb, err := b.peoplePage(ctx, r, role, 0)
	if err != nil {
		b.fail(ctx, r, err)
		return
	}
	b.reply(ctx, r, text, kb)
}

func (b *Bot) onPeoplePage(ctx context.Context, r *request, arg string) error {
	if !r.person.Can(deputybot.PermManagePeople) {
		return deputybot.Errorf(deputybot.EFORBIDDEN, "err.not_allowed")
	}
	roleArg, offArg, _ := strings.Cut(arg, ":")
	var role deputybot.Role
	if roleArg != "-" {
		var ok bool
		if role, ok = deputybot.ParseRole(roleArg); !ok {
			return errStale
		}
	}
	offset, err := strconv.Atoi(offArg)
	if err != nil || offset < 0 {
		return errStale
	}
	text, kb, err := b.peoplePage(ctx, r, role, offset)
	if err != nil {
		return err
	}
	return b.edit(ctx, r.chatID, r.callbackMessageID(), text, kb)
}

func (b *Bot) peoplePage(ctx context.Context, r *request, role deputybot.Role, offset int) (string, keyboard, error) {
	people, total, err := b.store.People(ctx, deputybot.PeopleFilter{Role: role, Offset: offset, Limit: peoplePageSize})
	if err != nil {
		return "", nil, err
	}
	if total == 0 {
		return b.tx.T(r.lang, "people.none"), nil, nil
	}
	if offset >= total {
		offset = max(0, (total-1)/peoplePageSize*peoplePageSize)
		if people, total, err = b.store.People(ctx, deputybot.PeopleFilter{Role: role, Offset: offset, Limit: peoplePageSize}); err != nil {
			return "", nil, err
		}
	}
	depts, err := b.departmentNames(ctx)
	if err != nil {
		return "", nil, err
	}
	var sb strings.Builder
	sb.WriteString(b.tx.T(r.lang, "people.title", "Count", total, "From", offset+1, "To", offset+len(people)))
	var renew keyboard
	var row []keyboardButton
	for i, p := range people {
		if b.isAdmin(p.TelegramID) {
			p.AddRole(deputybot.RoleOffice)
		}
		dept := ""
		if p.DepartmentID != "" {
			dept = b.tx.T(r.lang, "people.department", "Department", depts[p.DepartmentID])
		}
		state := "people.state." + string(p.State)
		if b.isAdmin(p.TelegramID) {
			state = "people.state.admin"
		}
		sb.WriteString("\n" + b.tx.T(r.lang, "people.line",
			"N", offset+i+1, "Name", p.Name, "Roles", b.tx.Roles(r.lang, p.Roles),
			"Department", texts.HTML(dept), "State", texts.HTML(b.tx.T(r.lang, state))))
		if p.State == deputybot.PersonInvited {
			row = append(row, button(b.tx.T(r.lang, "btn.new_link", "Name", p.Name), "rn:"+p.ID))
			if len(row) == 2 {
				renew, row = append(renew, row), nil
			}
		}
	}
	if len(row) > 0 {
		renew = append(renew, row)
	}
	if role == "" || role == deputybot.RoleContact {
		if names, err := b.unstaffed(ctx); err == nil && len(names) > 0 {
			sb.WriteString("\n\n" + b.tx.T(r.lang, "people.unstaffed", "Depts", b.tx.List(r.lang, names)))
		}
	}
	roleKey := "-"
	if role != "" {
		roleKey = string(role)
	}
	var nav []keyboardButton
	if offset > 0 {
		nav = append(nav, button("◀", fmt.Sprintf("pp:%s:%d", roleKey, max(0, offset-peoplePageSize))))
	}
	if offset+len(people) < total {
		nav = append(nav, button("▶", fmt.Sprintf("pp:%s:%d", roleKey, offset+peoplePageSize)))
	}
	if len(nav) > 0 {
		renew = append(renew, nav)
	}
	return sb.String(), renew, nil
}

// joinedContacts counts each department's joined contacts
// (deputybot.JoinedContacts).
func (b *Bot) joinedContacts(ctx context.Context) (map[string]int, error) {
	contacts, _, err := b.store.People(ctx, deputybot.PeopleFilter{Role: deputybot.RoleContact})
	return deputybot.JoinedContacts(contacts), err
}

// unstaffed names the departments no contact has joined.
func (b *Bot) unstaffed(ctx context.Context) ([]string, error) {
	joined, err := b.joinedContacts(ctx)
	if err != nil {
		return nil, err
	}
	depts, err := b.activeDepartments(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, d := range depts {
		if joined[d.ID] == 0 {
			out = append(out, d.Name)
		}
	}
	return out, nil
}

func (b *Bot) departmentNames(ctx context.Context) (map[string]string, error) {
	depts, err := b.store.Departments(ctx)
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(depts))
	for _, d := range depts {
		m[d.ID] = d.Name
	}
	return m, nil
}

func (b *Bot) onRenewInvitation(ctx context.Context, r *request, personID string) error {
	if !r.person.Can(deputybot.PermManagePeople) {
		return deputybot.Errorf(deputybot.EFORBIDDEN, "err.not_allowed")
	}
	inv, err := b.svc.RenewInvitation(ctx, r.person, r.id, personID, r.now)
	if isNotFound(err) {
		return errStale
	}
	if err != nil {
		return err
	}
	b.reply(ctx, r, b.inviteMessage(r.lang, inv), nil)
	return nil
}

// --- /departments

func (b *Bot) cmdDepartments(ctx context.Context, r *request) {
	if name, ok := strings.CutPrefix(r.args, "add"); ok && (name == "" || name[0] == ' ') {
		if !r.person.Can(deputybot.PermManageDepartments) {
			b.reply(ctx, r, b.tx.T(r.lang, "err.not_allowed"), nil)
			return
		}
		if name = strings.TrimSpace(name); name == "" {
			if err := b.begin(ctx, r, "adddept", "name", nil); err != nil {
				b.fail(ctx, r, err)
			}
			return
		}
		b.addDepartment(ctx, r, name)
		return
	}
	verb, rest, _ := strings.Cut(r.args, " ")
	if verb == "rename" || verb == "retire" || verb == "改名" || verb == "撤销" {
		b.changeDepartment(ctx, r, verb, strings.TrimSpace(rest))
		return
	}
	if r.args != "" {
		b.reply(ctx, r, b.tx.T(r.lang, "departments.usage"), nil)
		return
	}
	text, kb, err := b.departmentsList(ctx, r)
	if err != nil {
		b.fail(ctx, r, err)
		return
	}
	b.reply(ctx, r, text, kb)
}

func (b *Bot) departmentsList(ctx context.Context, r *request) (string, keyboard, error) {
	depts, err := b.store.Departments(ctx)
	if err != nil {
		return "", nil, err
	}
	contacts, _, err := b.store.People(ctx, deputybot.PeopleFilter{Role: deputybot.RoleContact})
	if err != nil {
		return "", nil, err
	}
	active, invited := deputybot.JoinedContacts(contacts), map[string]int{}
	for _, p := range contacts {
		if p.State == deputybot.PersonInvited {
			invited[p.DepartmentID]++
		}
	}
	var kb keyboard
	if r.person.Can(deputybot.PermManageDepartments) {
		kb = keyboard{{button(b.tx.T(r.lang, "btn.add_department"), "dp:add")}}
	}
	if len(depts) == 0 {
		return b.tx.T(r.lang, "departments.none"), kb, nil
	}
	var sb strings.Builder
	sb.WriteString(b.tx.T(r.lang, "departments.title", "Count", len(depts)))
	for _, d := range depts {
		if d.Retired() {
			sb.WriteString("\n" + b.tx.T(r.lang, "departments.line_retired", "Name", d.Name, "Date", b.tx.Date(d.RetiredAt)))
			continue
		}
		sb.WriteString("\n" + b.tx.T(r.lang, "departments.line", "Name", d.Name, "Active", active[d.ID], "Invited", invited[d.ID]))
		if active[d.ID] == 0 {
			sb.WriteString(" " + b.tx.T(r.lang, "departments.unstaffed"))
		}
	}
	return sb.String(), kb, nil
}

func (b *Bot) onDepartmentsButton(ctx context.Context, r *request, arg string) error {
	if arg != "add" {
		return errStale
	}
	if !r.person.Can(deputybot.PermManageDepartments) {
		return deputybot.Errorf(deputybot.EFORBIDDEN, "err.not_allowed")
	}
	return b.begin(ctx, r, "adddept", "name", nil)
}

// removePerson: "/people remove 王区长 => 李副区长" (his items in charge
// go to the successor; "=> -": to nobody).
func (b *Bot) removePerson(ctx context.Context, r *request, args string) {
	if !r.person.Can(deputybot.PermManagePeople) {
		b.reply(ctx, r, b.tx.T(r.lang, "err.not_allowed"), nil)
		return
	}
	parts := renameSep.Split(args, 2)
	name := strings.TrimSpace(parts[0])
	if name == "" {
		b.reply(ctx, r, b.tx.T(r.lang, "people.remove_usage"), nil)
		return
	}
	p, err := b.personNamed(ctx, name)
	if err != nil {
		b.fail(ctx, r, err)
		return
	}
	successor := ""
	if len(parts) == 2 {
		if successor = strings.TrimSpace(parts[1]); successor != "-" {
			q, err := b.personNamed(ctx, successor)
			if err != nil {
				b.fail(ctx, r, err)
				return
			}
			successor = q.ID
		}
	}
	joined, _ := b.joinedContacts(ctx)
	removed, handed, err := b.svc.RemovePerson(ctx, r.person, r.id, p.ID, successor, r.now)
	if err != nil {
		b.fail(ctx, r, err)
		return
	}
	text := b.tx.T(r.lang, "people.removed", "Name", removed.Name)
	if handed > 0 {
		text += "\n" + b.tx.T(r.lang, "people.handed", "Count", handed)
	}
	if removed.HasRole(deputybot.RoleContact) && p.State == deputybot.PersonActive && joined[p.DepartmentID] == 1 {
		names, _ := b.departmentNames(ctx)
		text += "\n" + b.tx.T(r.lang, "assign.unstaffed", "Depts", names[p.DepartmentID], "Dept", names[p.DepartmentID])
	}
	b.reply(ctx, r, text, nil)
}

// personNamed is the one person (not removed) of that name; ENOTFOUND, or
// EINVALID when several have it.
func (b *Bot) personNamed(ctx context.Context, name string) (*deputybot.Person, error) {
	people, _, err := b.store.People(ctx, deputybot.PeopleFilter{})
	if err != nil {
		return nil, err
	}
	name = deputybot.CleanName(name)
	var found []*deputybot.Person
	for _, p := range people {
		if p.State != deputybot.PersonRemoved && p.Name == name {
			found = append(found, p)
		}
	}
	switch len(found) {
	case 0:
		return nil, deputybot.Errorf(deputybot.ENOTFOUND, "err.person_named", "Name", name)
	case 1:
		return found[0], nil
	}
	return nil, deputybot.Errorf(deputybot.EINVALID, "err.person_ambiguous", "Name", name, "Count", len(found))
}

// renameSep separates a department's old name from its new one.
var renameSep = regexp.MustCompile(`\s*(?:=>|→|=|＝)\s*`)

// changeDepartment renames ("/departments rename 旧名 = 新名") or retires
// ("/departments retire 名称") a department.
func (b *Bot) changeDepartment(ctx context.Context, r *request, verb, args string) {
	if !r.person.Can(deputybot.PermManageDepartments) {
		b.reply(ctx, r, b.tx.T(r.lang, "err.not_allowed"), nil)
		return
	}
	depts, err := b.store.Departments(ctx)
	if err != nil {
		b.fail(ctx, r, err)
		return
	}
	name, newName := args, ""
	rename := verb == "rename" || verb == "改名"
	if rename {
		parts := renameSep.Split(args, 2)
		if len(parts) != 2 || strings.TrimSpace(parts[0]) == "" || strings.TrimSpace(parts[1]) == "" {
			b.reply(ctx, r, b.tx.T(r.lang, "departments.usage"), nil)
			return
		}
		name, newName = parts[0], parts[1]
	}
	d := findDepartment(depts, name)
	if d == nil {
		b.reply(ctx, r, b.tx.T(r.lang, "departments.unknown", "Name", deputybot.Echo(name)), nil)
		return
	}
	if rename {
		nd, err := b.svc.RenameDepartment(ctx, r.person, d.ID, newName)
		if err != nil {
			b.fail(ctx, r, err)
			return
		}
		b.reply(ctx, r, b.tx.T(r.lang, "departments.renamed", "Old", d.Name, "Name", nd.Name), nil)
		return
	}
	if _, err := b.svc.RetireDepartment(ctx, r.person, d.ID, r.now); err != nil {
		b.fail(ctx, r, err)
		return
	}
	b.reply(ctx, r, b.tx.T(r.lang, "departments.retired", "Name", d.Name), nil)
}

// activeDepartments are the departments that take new work: those
// offered in pickers.
func (b *Bot) activeDepartments(ctx context.Context) ([]*deputybot.Department, error) {
	depts, err := b.store.Departments(ctx)
	return slices.DeleteFunc(depts, func(d *deputybot.Department) bool { return d.Retired() }), err
}

func (b *Bot) addDepartment(ctx context.Context, r *request, name string) {
	d, err := b.svc.AddDepartment(ctx, r.person, r.id, name, r.now)
	if err != nil {
		b.fail(ctx, r, err)
		return
	}
	b.reply(ctx, r, b.tx.T(r.lang, "departments.added", "Name", d.Name), nil)
}

func (b *Bot) addDeptPrompt(ctx context.Context, r *request, c *conversation) {
	b.reply(ctx, r, b.tx.T(r.lang, "departments.ask_name"), keyboard{b.cancelButton(r, c)})
}

func (b *Bot) addDeptText(ctx context.Context, r *request, c *conversation) error {
	text := strings.TrimSpace(r.msg.Text)
	if text == "" {
		return deputybot.Errorf(deputybot.EINVALID, "err.text_expected")
	}
	d, err := b.svc.AddDepartment(ctx, r.person, r.id, text, r.now)
	if err != nil {
		if deputybot.ErrorCode(err) == deputybot.ECONFLICT {
			// Ask again: a clerk who typed an existing name means another.
			return &deputybot.Error{Code: deputybot.EINVALID, Key: "err.department_exists", Args: map[string]any{"Name": deputybot.CleanName(text)}}
		}
		return err
	}
	if err := b.finish(ctx, r); err != nil {
		return err
	}
	b.reply(ctx, r, b.tx.T(r.lang, "departments.added", "Name", d.Name), nil)
	return nil
}

// cmdName shows or changes the name a person is shown by (the bootstrap
// administrators start with their Telegram name).
func (b *Bot) cmdName(ctx context.Context, r *request) {
	name := strings.TrimSpace(r.args)
	if name == "" {
		b.reply(ctx, r, b.tx.T(r.lang, "name.usage", "Name", r.person.Name), nil)
		return
	}
	name, err := b.svc.SetName(ctx, r.person, r.id, name)
	if err != nil {
		b.fail(ctx, r, err)
		return
	}
	b.reply(ctx, r, b.tx.T(r.lang, "name.changed", "Name", name), nil)
}

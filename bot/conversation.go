package bot

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"deputybot"
	"deputybot/internal/crash"
	"deputybot/telegram"
)

// conversation is the stored state of a multi-step dialogue with one chat
// (an invitation being typed, an item being filed). It survives restarts:
// the next message continues where the person was.
type conversation struct {
	ChatID   int64  `bson:"chatId"`
	PersonID string `bson:"personId"`
	Flow     string `bson:"flow"` // which dialogue
	Step     string `bson:"step"` // which question is open
	// Nonce is part of every button of this conversation, so a button of
	// an earlier, finished conversation is recognised as stale.
	Nonce string            `bson:"nonce"`
	Data  map[string]string `bson:"data,omitempty"`
	// LastUpdateID is the Telegram update that produced this state. An
	// update redelivered after a crash with an id not above it has already
	// been applied and is not applied again.
	LastUpdateID int64     `bson:"lastUpdateId"`
	UpdatedAt    time.Time `bson:"updatedAt"`
}

// ConversationStore keeps one conversation per chat, as the bot gives it.
type ConversationStore interface {
	// LoadConversation decodes the chat's conversation into into, and
	// reports whether there is one.
	LoadConversation(ctx context.Context, chatID int64, into any) (bool, error)
	// SaveConversation stores c, replacing the chat's previous state.
	SaveConversation(ctx context.Context, chatID int64, c any) error
	// DeleteConversation ends the chat's conversation.
	DeleteConversation(ctx context.Context, chatID int64) error
}

// flow is one multi-step dialogue. Its state is a deputybot.Conversation
// stored per chat, so a restart in the middle continues where the person
// was.
type flow struct {
	// prompt asks the current step's question.
	prompt func(ctx context.Context, r *request, c *conversation)
	// text handles a message sent while the flow waits for an answer.
	text func(ctx context.Context, r *request, c *conversation) error
	// choice handles a button of this conversation ("c:<nonce>:<value>").
	choice func(ctx context.Context, r *request, c *conversation, value string) error
}

func (b *Bot) flows() map[string]flow {
	m := map[string]flow{
		"invite":          {prompt: b.invitePrompt, text: b.inviteText, choice: b.inviteChoice},
		"adddept":         {prompt: b.addDeptPrompt, text: b.addDeptText, choice: b.noChoice},
		"new":             {prompt: b.newPrompt, text: b.newText, choice: b.newChoice},
		"assign":          {prompt: b.assignPrompt, text: b.assignText, choice: b.assignChoice},
		"progress":        {prompt: b.progressPrompt, text: b.progressText, choice: b.progressChoice},
		"contact":         {prompt: b.contactPrompt, text: b.contactText, choice: b.contactChoice},
		"reply":           {prompt: b.replyPrompt, text: b.replyText, choice: b.replyChoice},
		"decide":          {prompt: b.decidePrompt, text: b.decideText, choice: b.decideChoice},
		"flag":            {prompt: b.flagPrompt, text: b.flagText, choice: b.flagChoice},
		"holidays":        {prompt: b.holidaysPrompt, text: b.holidaysFile, choice: b.noChoice},
		"target":          {prompt: b.targetPrompt, text: b.targetText, choice: b.targetChoice},
		"import":          {prompt: b.importPrompt, text: b.importFile, choice: b.noChoice},
		"typed":           {prompt: b.typedPrompt, text: b.typedText, choice: b.typedChoice},
		"promise-report":  {prompt: b.promiseReportPrompt, text: b.promiseReportText, choice: b.promiseReportChoice},
		"promise-comment": {prompt: b.promiseCommentPrompt, text: b.promiseCommentText, choice: b.promiseCommentChoice},
	}
	for name := range answerDialogues {
		m[name] = flow{prompt: b.answerPrompt, text: b.answerText, choice: b.noChoice}
	}
	return m
}

// legacySteps are the steps of the one-answer dialogue of earlier
// versions ("text"), by the names they have now: a conversation stored
// before an upgrade goes on.
var legacySteps = map[string][2]string{
	"rd": {"return-to-deputy", "reason"}, "op": {"opinion", "text"}, "ex": {"extension-request", "reason"},
	"rr": {"return-request", "reason"}, "ur": {"unsatisfied-reason", "reason"}, "pg": {"progress", "text"}, "pgmet": {"progress", "met"},
}

func (b *Bot) noChoice(context.Context, *request, *conversation, string) error {
	return errStale
}

func newNonce() string {
	buf := make([]byte, 6)
	_, _ = rand.Read(buf)
	return base64.RawURLEncoding.EncodeToString(buf)
}

// begin starts a conversation (replacing any other of this chat) and asks
// its first question.
func (b *Bot) begin(ctx context.Context, r *request, flowName, step string, data map[string]string) error {
	c := &conversation{
		ChatID: r.chatID, PersonID: r.person.ID, Flow: flowName, Step: step,
		Nonce: newNonce(), Data: data,
	}
	if c.Data == nil {
		c.Data = map[string]string{}
	}
	if err := b.advance(ctx, r, c, step); err != nil {
		return err
	}
	return nil
}

// advance stores the conversation at step and asks that step's question.
func (b *Bot) advance(ctx context.Context, r *request, c *conversation, step string) error {
	c.Step = step
	c.LastUpdateID = r.id
	c.UpdatedAt = r.now
	if err := b.store.SaveConversation(ctx, c.ChatID, c); err != nil {
		return err
	}
	crash.Point("conversation-at:" + step)
	b.flows()[c.Flow].prompt(ctx, r, c)
	return nil
}

// finish ends the chat's conversation. What it leaves is only the
// update that ended it (no flow, no data): an update of the dialogue
// handled again after a replica died is then known to be superseded
// (superseded), as one is after a dialogue that ended in its action
// (finishDone).
func (b *Bot) finish(ctx context.Context, r *request) error {
	if r.person == nil {
		return b.store.DeleteConversation(ctx, r.chatID)
	}
	return b.store.SaveConversation(ctx, r.chatID, &conversation{ChatID: r.chatID, PersonID: r.person.ID, Flow: endedFlow,
		LastUpdateID: r.id, UpdatedAt: r.now})
}

// endedFlow is what a conversation that ended otherwise leaves.
const endedFlow = "ended"

// doneFlow is what a conversation that ended in its action leaves: its
// nonce, so that a button of its pressed again (a double tap, an old
// message) is told the action was done — not that it went stale.
const doneFlow = "done"

// finishDone ends the chat's conversation after its action was done.
func (b *Bot) finishDone(ctx context.Context, r *request) error {
	c := &conversation{}
	found, err := b.store.LoadConversation(ctx, r.chatID, c)
	if err != nil || !found || c.PersonID != r.person.ID {
		return b.finish(ctx, r)
	}
	return b.store.SaveConversation(ctx, r.chatID, &conversation{ChatID: r.chatID, PersonID: r.person.ID, Flow: doneFlow,
		Nonce: c.Nonce, Data: map[string]string{"item": c.Data["item"]}, LastUpdateID: r.id, UpdatedAt: r.now})
}

// superseded reports whether the update is one handled again after a
// stop (a replica died; another took its updates over after their
// lease) while its chat's dialogue went on since: a later update of the
// chat moved it, or ended it. Whatever it did was done, or the person
// went on without it; answering it now would come out of order.
func (b *Bot) superseded(ctx context.Context, r *request) bool {
	if !telegram.Replayed(ctx) {
		return false
	}
	c := &conversation{}
	found, err := b.store.LoadConversation(ctx, r.chatID, c)
	return err == nil && found && c.LastUpdateID > r.id
}

// staleReason says why a conversation's button does nothing: its action
// was done already, or it belongs to a dialogue left unfinished.
func (b *Bot) staleReason(ctx context.Context, r *request, nonce string) error {
	c := &conversation{}
	found, err := b.store.LoadConversation(ctx, r.chatID, c)
	if err != nil || !found || c.Flow != doneFlow || c.Nonce != nonce || c.PersonID != r.person.ID {
		return errStale
	}
	if it, err := b.store.Item(ctx, c.Data["item"]); err == nil && deputybot.CanView(r.person, it) {
		return deputybot.Errorf(deputybot.ECONFLICT, "err.already_done_item", "Label", b.tx.Label(r.lang, it))
	}
	return deputybot.Errorf(deputybot.ECONFLICT, "err.already_done")
}

// conversation returns the chat's open conversation, checked against the
// person: a conversation of someone else (a chat taken over) is ignored.
func (b *Bot) conversation(ctx context.Context, r *request) (*conversation, error) {
	c := &conversation{}
	found, err := b.store.LoadConversation(ctx, r.chatID, c)
	if err != nil || !found {
		return nil, err
	}
	if now, ok := legacySteps[c.Step]; ok && c.Flow == "text" {
		c.Flow, c.Step = now[0], now[1]
	}
	if c.PersonID != r.person.ID || b.flows()[c.Flow].prompt == nil {
		return nil, nil
	}
	if c.Data == nil {
		c.Data = map[string]string{}
	}
	return c, nil
}

// onText handles a message that is not a command: an answer in the open
// conversation, or a pointer to the menu.
func (b *Bot) onText(ctx context.Context, r *request) {
	if b.superseded(ctx, r) {
		return
	}
	c, err := b.conversation(ctx, r)
	if err != nil {
		b.fail(ctx, r, err)
		return
	}
	if c == nil {
		if !b.keepTyped(ctx, r) {
			b.reply(ctx, r, b.tx.T(r.lang, "hint.no_conversation"), nil)
		}
		return
	}
	f := b.flows()[c.Flow]
	if r.id <= c.LastUpdateID {
		// Already applied before a crash. Only the question the last of
		// them led to may be missing; earlier ones were superseded.
		if r.id == c.LastUpdateID {
			f.prompt(ctx, r, c)
		}
		return
	}
	err = f.text(ctx, r, c)
	var de *deputybot.Error
	if errors.As(err, &de) && de.Key == "err.use_buttons" {
		// The name of one of the step's buttons, typed: taken as
		// pressed ("电话" at the contact's method).
		if value, ok := b.typedButton(ctx, r, c, f); ok {
			err = f.choice(ctx, r, c, value)
		}
	}
	if err != nil {
		b.fail(ctx, r, err)
		if deputybot.ErrorCode(err) == deputybot.EINVALID {
			f.prompt(ctx, r, c)
		}
	}
}

// typedButton finds the one button of the step's question that the
// typed text names (its label, or a part of it of two letters or more,
// letter case, spaces and symbols aside); Cancel is never typed into.
func (b *Bot) typedButton(ctx context.Context, r *request, c *conversation, f flow) (string, bool) {
	typed := buttonKey(r.msg.Text)
	if utf8.RuneCountInString(typed) < 2 {
		return "", false
	}
	var kb keyboard
	r.capture = &kb
	f.prompt(ctx, r, c)
	r.capture = nil
	prefix := "c:" + c.Nonce + ":"
	var exact, partial []string
	for _, row := range kb {
		for _, btn := range row {
			value, ok := strings.CutPrefix(btn.CallbackData, prefix)
			if !ok || value == "x" {
				continue
			}
			switch label := buttonKey(btn.Text); {
			case label == typed:
				exact = append(exact, value)
			case strings.Contains(label, typed):
				partial = append(partial, value)
			}
		}
	}
	switch {
	case len(exact) == 1:
		return exact[0], true
	case len(exact) == 0 && len(partial) == 1:
		return partial[0], true
	}
	return "", false
}

// buttonKey is a label or a typed word as compared: letters and digits
// only, lower case.
func buttonKey(s string) string {
	var sb strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

// onConversationButton handles "c:<nonce>:<value>".
func (b *Bot) onConversationButton(ctx context.Context, r *request, arg string) error {
	nonce, value, ok := strings.Cut(arg, ":")
	if !ok {
		return errStale
	}
	c, err := b.conversation(ctx, r)
	if err != nil {
		return err
	}
	if c != nil && c.Nonce == nonce && r.id == c.LastUpdateID {
		// This very press was applied before a crash (handled again, on
		// this process or another replica): only the next question may be
		// missing.
		b.flows()[c.Flow].prompt(ctx, r, c)
		return nil
	}
	if b.superseded(ctx, r) {
		return nil
	}
	if c == nil || c.Nonce != nonce || r.id <= c.LastUpdateID {
		if c == nil {
			return b.staleReason(ctx, r, nonce)
		}
		return errStale
	}
	if value == "x" {
		b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
		b.cmdCancel(ctx, r)
		return nil
	}
	f := b.flows()[c.Flow]
	if err := f.choice(ctx, r, c, value); err != nil {
		if deputybot.ErrorCode(err) == deputybot.EINVALID {
			b.fail(ctx, r, err)
			f.prompt(ctx, r, c)
			return nil
		}
		return err
	}
	return nil
}

// cancelButton is the conversation's "Cancel" button.
func (b *Bot) cancelButton(r *request, c *conversation) []keyboardButton {
	return []keyboardButton{button(b.tx.T(r.lang, "btn.cancel"), "c:"+c.Nonce+":x")}
}

func (b *Bot) cmdCancel(ctx context.Context, r *request) {
	c, err := b.conversation(ctx, r)
	if err != nil {
		b.fail(ctx, r, err)
		return
	}
	if c == nil {
		b.reply(ctx, r, b.tx.T(r.lang, "cancel.nothing"), nil)
		return
	}
	if err := b.finish(ctx, r); err != nil {
		b.fail(ctx, r, err)
		return
	}
	if c.Flow == "new" && c.Data["item"] != "" {
		// From the preview on the draft is saved: it stays.
		b.reply(ctx, r, b.tx.T(r.lang, "cancel.draft_kept"), nil)
		return
	}
	b.reply(ctx, r, b.tx.T(r.lang, "cancel.done"), nil)
}

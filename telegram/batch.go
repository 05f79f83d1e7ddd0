package telegram

import (
	"strconv"
	"strings"
	"time"

	"github.com/go-telegram/bot/models"

	"deputybot"
)

// Batches: the messages to one chat of one batch group (see
// deputybot.Batch) that wait together go as one message. The sender
// gathers them when it takes the first; each keeps its own record.

const (
	// maxBatch is the most messages one batch message lists: its
	// numbered buttons stay a keyboard one can read (ten rows of five),
	// well inside Telegram's 100 buttons.
	maxBatch = 50
	// batchRow is how many numbered buttons a row holds.
	batchRow = 5
)

// gatherLocked takes from the queue, from index i on, the messages that
// go with m: same chat and group, sent as messages, not answers, waiting
// for their first attempt or due (a retry not yet due stays), as many as
// fit one message. s.mu is held.
func (s *Sender) gatherLocked(i int, m deputybot.OutboxMessage, now time.Time) []deputybot.OutboxMessage {
	if m.Batch.Group == "" || m.Method != MethodSend || s.answers[m.ID] != nil {
		return nil
	}
	size := VisibleLen(m.Batch.Head) + batchLineLen(1, m.Batch.Line)
	var with []deputybot.OutboxMessage
	for j := i; j < len(s.queue) && len(with)+1 < maxBatch; {
		x := s.queue[j]
		if x.ChatID != m.ChatID || x.Batch.Group != m.Batch.Group || x.Method != MethodSend ||
			s.answers[x.ID] != nil || x.Attempts > 0 && x.NextAt.After(now) {
			j++
			continue
		}
		n := batchLineLen(len(with)+2, x.Batch.Line)
		if size+n > MaxMessageLen {
			break
		}
		size += n
		with = append(with, x)
		s.queue = append(s.queue[:j], s.queue[j+1:]...)
	}
	return with
}

func batchLineLen(n int, line string) int { return len(strconv.Itoa(n)) + 3 + VisibleLen(line) }

// members are a taken message and those that go with it, each as it
// would go alone.
func members(m deputybot.OutboxMessage) []deputybot.OutboxMessage {
	with := m.With
	m.With = nil
	return append([]deputybot.OutboxMessage{m}, with...)
}

// batchContent is what a message with company sends: the head, the
// numbered lines, a numbered button for each that opens its item.
func batchContent(m deputybot.OutboxMessage) (string, *models.InlineKeyboardMarkup) {
	all := members(m)
	var b strings.Builder
	b.WriteString(strings.ReplaceAll(m.Batch.Head, "{n}", strconv.Itoa(len(all))))
	b.WriteString("\n")
	var rows [][]models.InlineKeyboardButton
	for i, x := range all {
		n := strconv.Itoa(i + 1)
		b.WriteString("\n" + n + ". " + x.Batch.Line)
		if x.Batch.Open == "" {
			continue
		}
		if len(rows) == 0 || len(rows[len(rows)-1]) == batchRow {
			rows = append(rows, nil)
		}
		rows[len(rows)-1] = append(rows[len(rows)-1], models.InlineKeyboardButton{Text: n, CallbackData: x.Batch.Open})
	}
	if len(rows) == 0 {
		return b.String(), nil
	}
	return b.String(), &models.InlineKeyboardMarkup{InlineKeyboard: rows}
}

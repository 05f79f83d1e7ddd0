package storage

import "context"

// StoredNotices returns the notices an item's document holds (its latest
// change's, until they are in the outbox).
func (s *Store) StoredNotices(ctx context.Context, id string) ([]string, error) {
	doc, err := s.readItemDoc(ctx, id)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, n := range doc.Pending {
		ids = append(ids, n.ID)
	}
	return ids, nil
}

// ForgetConversation has the only writer's read model lose what it knows
// of the chat's conversation, as a failed write does.
func (s *Store) ForgetConversation(chatID int64) {
	if s.model != nil {
		s.model.unsure(chatID)
	}
}

// ConversationBatch is how many superseded versions gather before they
// are deleted.
const ConversationBatch = conversationGCBatch

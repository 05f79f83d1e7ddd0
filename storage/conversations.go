package storage

import (
	"context"
	"errors"
	"strconv"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"deputybot"
)

var _ deputybot.ConversationStore = (*Store)(nil)

type conversationDoc struct {
	ID                      string `bson:"_id"`
	*deputybot.Conversation `bson:",inline"`
}

func conversationKey(chatID int64) string { return "chat:" + strconv.FormatInt(chatID, 10) }

// Conversation implements deputybot.ConversationStore.
func (s *Store) Conversation(ctx context.Context, chatID int64) (*deputybot.Conversation, error) {
	var d conversationDoc
	err := s.conversations.FindOne(ctx, byID(conversationKey(chatID))).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return d.Conversation, nil
}

// SaveConversation implements deputybot.ConversationStore.
func (s *Store) SaveConversation(ctx context.Context, c *deputybot.Conversation) error {
	_, err := s.conversations.ReplaceOne(ctx, byID(conversationKey(c.ChatID)),
		conversationDoc{ID: conversationKey(c.ChatID), Conversation: c},
		options.Replace().SetUpsert(true))
	return err
}

// DeleteConversation implements deputybot.ConversationStore.
func (s *Store) DeleteConversation(ctx context.Context, chatID int64) error {
	_, err := s.conversations.DeleteOne(ctx, byID(conversationKey(chatID)))
	return err
}

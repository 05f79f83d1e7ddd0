package storage

import (
	"context"
	"errors"
	"strconv"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Conversations keep each chat's open dialogue: the chat interface's own
// state, stored as it gives it (one document per chat, by _id).

func conversationKey(chatID int64) string { return "chat:" + strconv.FormatInt(chatID, 10) }

// LoadConversation decodes the chat's conversation into into, and
// reports whether there is one.
// The only writer of a store keeps what it read and wrote of each chat's
// conversation (readModel.convs), so a dialogue step reads no document.
func (s *Store) LoadConversation(ctx context.Context, chatID int64, into any) (bool, error) {
	if s.model != nil {
		if raw, known := s.model.conversation(chatID); known {
			if raw == nil {
				return false, nil
			}
			return true, bson.Unmarshal(raw, into)
		}
	}
	var raw bson.Raw
	err := s.conversations.FindOne(ctx, byID(conversationKey(chatID))).Decode(&raw)
	if errors.Is(err, mongo.ErrNoDocuments) {
		if s.model != nil {
			s.model.setConversation(chatID, nil)
		}
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if s.model != nil {
		s.model.setConversation(chatID, raw)
	}
	return true, bson.Unmarshal(raw, into)
}

// SaveConversation stores c as the chat's conversation, replacing the
// previous one.
func (s *Store) SaveConversation(ctx context.Context, chatID int64, c any) error {
	raw, err := bson.Marshal(c)
	if err != nil {
		return err
	}
	var doc bson.D
	if err := bson.Unmarshal(raw, &doc); err != nil {
		return err
	}
	doc = append(bson.D{{Key: "_id", Value: conversationKey(chatID)}}, doc...)
	_, err = s.conversations.ReplaceOne(ctx, byID(conversationKey(chatID)), doc, options.Replace().SetUpsert(true))
	if s.model != nil {
		if err != nil {
			// Stored or not: the next read asks the store.
			s.model.forgetConversation(chatID)
		} else {
			s.model.setConversation(chatID, raw)
		}
	}
	return err
}

// DeleteConversation ends the chat's conversation.
func (s *Store) DeleteConversation(ctx context.Context, chatID int64) error {
	_, err := s.conversations.DeleteOne(ctx, byID(conversationKey(chatID)))
	if s.model != nil {
		if err != nil {
			s.model.forgetConversation(chatID)
		} else {
			s.model.setConversation(chatID, nil)
		}
	}
	return err
}

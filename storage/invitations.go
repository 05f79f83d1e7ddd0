package storage

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"deputybot"
)

// Invitations are stored by the hash of their token (the token itself is
// shown once, in its link). What an invitation means — who may create
// one, what redeeming it does — is the service's; here they are kept.

// InsertInvitations stores new invitations. One whose hash is stored
// already is ECONFLICT ("err.exists"); those before it are stored.
func (s *Store) InsertInvitations(ctx context.Context, invs []deputybot.Invitation) error {
	for _, inv := range invs {
		if _, err := s.invitations.InsertOne(ctx, inv); err != nil {
			if mongo.IsDuplicateKeyError(err) {
				return deputybot.Errorf(deputybot.ECONFLICT, "err.exists")
			}
			return fmt.Errorf("store invitation: %w", err)
		}
	}
	return nil
}

// Invitation returns the invitation with the token's hash, or ENOTFOUND.
func (s *Store) Invitation(ctx context.Context, hash string) (*deputybot.Invitation, error) {
	var inv deputybot.Invitation
	if err := s.invitations.FindOne(ctx, byID(hash)).Decode(&inv); err != nil {
		return nil, notFound(err, "err.invite_unknown")
	}
	return &inv, nil
}

// PersonInvitations lists a person's invitations.
func (s *Store) PersonInvitations(ctx context.Context, personID string) ([]deputybot.Invitation, error) {
	cur, err := s.invitations.Find(ctx, bson.D{{Key: "personId", Value: personID}})
	if err != nil {
		return nil, err
	}
	var out []deputybot.Invitation
	err = cur.All(ctx, &out)
	return out, err
}

// InvitationsMadeSince counts the invitations a person made one by one
// (not imported) after since (the cap on invitations a minute).
func (s *Store) InvitationsMadeSince(ctx context.Context, by string, since time.Time) (int, error) {
	n, err := s.invitations.CountDocuments(ctx, bson.D{{Key: "createdBy", Value: by}, {Key: "createdAt", Value: bson.D{{Key: "$gt", Value: since}}},
		{Key: "imported", Value: bson.D{{Key: "$ne", Value: true}}}})
	return int(n), err
}

// RevokeInvitation marks an invitation revoked (a newer link replaced it).
func (s *Store) RevokeInvitation(ctx context.Context, hash string) error {
	_, err := s.invitations.UpdateOne(ctx, byID(hash), bson.D{{Key: "$set", Value: bson.D{{Key: "revoked", Value: true}}}})
	return err
}

// UseInvitation records who used an invitation, when, by which update.
// Only one call for an invitation succeeds, whatever runs concurrently
// (the claim of its key); the others are ECONFLICT "err.invite_used".
func (s *Store) UseInvitation(ctx context.Context, hash string, telegramID, cause int64, at time.Time) error {
	first, err := s.Claim(ctx, "invite:"+hash, at)
	if err != nil {
		return err
	}
	if !first {
		return deputybot.Errorf(deputybot.ECONFLICT, "err.invite_used")
	}
	_, err = s.invitations.UpdateOne(ctx, byID(hash), bson.D{{Key: "$set", Value: bson.D{
		{Key: "usedAt", Value: at}, {Key: "usedBy", Value: telegramID}, {Key: "usedCause", Value: cause},
	}}})
	return err
}

// Secret returns the store's secret of that name: 32 random bytes made
// at its first use, the same for every process that shares the store
// (claimed by inserting it). It makes what must come out the same when
// made again — a link created by an update handled again after a crash —
// without being guessable.
func (s *Store) Secret(ctx context.Context, name string) ([]byte, error) {
	type secretDoc struct {
		ID    string `bson:"_id"`
		Bytes []byte `bson:"bytes"`
	}
	id := "secret:" + name
	var d secretDoc
	err := s.meta.FindOne(ctx, byID(id)).Decode(&d)
	if err == nil {
		return d.Bytes, nil
	}
	if !errors.Is(err, mongo.ErrNoDocuments) {
		return nil, err
	}
	d = secretDoc{ID: id, Bytes: make([]byte, 32)}
	if _, err := rand.Read(d.Bytes); err != nil {
		return nil, err
	}
	if _, err := s.meta.InsertOne(ctx, d); err != nil && !mongo.IsDuplicateKeyError(err) {
		return nil, err
	}
	// Another process may have made it first: the stored one is the one.
	if err := s.meta.FindOne(ctx, byID(id)).Decode(&d); err != nil {
		return nil, err
	}
	return d.Bytes, nil
}

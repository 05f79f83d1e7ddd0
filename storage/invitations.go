package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"deputybot"
)

var _ deputybot.InvitationService = (*Store)(nil)

// Invite implements deputybot.InvitationService.
func (s *Store) Invite(ctx context.Context, createdBy string, req deputybot.InviteRequest, now time.Time) (*deputybot.Person, string, error) {
	if err := req.Validate(); err != nil {
		return nil, "", err
	}
	if req.DepartmentID != "" {
		if _, err := s.Department(ctx, req.DepartmentID); err != nil {
			return nil, "", err
		}
	}
	p := &deputybot.Person{
		ID:           newID(),
		Name:         req.Name,
		Roles:        []deputybot.Role{req.Role},
		DepartmentID: req.DepartmentID,
		Phone:        req.Phone,
		Language:     deputybot.DefaultLanguage,
		State:        deputybot.PersonInvited,
		CreatedAt:    now,
	}
	if err := s.insertPerson(ctx, p); err != nil {
		return nil, "", fmt.Errorf("create person: %w", err)
	}
	token, err := s.newInvitation(ctx, p.ID, req.Role, createdBy, now)
	if err != nil {
		return nil, "", err
	}
	return p, token, nil
}

func (s *Store) newInvitation(ctx context.Context, personID string, role deputybot.Role, createdBy string, now time.Time) (string, error) {
	token, err := deputybot.NewInvitationToken()
	if err != nil {
		return "", fmt.Errorf("invitation token: %w", err)
	}
	inv := deputybot.Invitation{
		TokenHash: deputybot.HashToken(token),
		PersonID:  personID,
		Role:      role,
		CreatedBy: createdBy,
		CreatedAt: now,
		ExpiresAt: now.Add(deputybot.InvitationValidity),
	}
	if _, err := s.invitations.InsertOne(ctx, inv); err != nil {
		return "", fmt.Errorf("store invitation: %w", err)
	}
	return token, nil
}

// RenewInvitation implements deputybot.InvitationService.
func (s *Store) RenewInvitation(ctx context.Context, createdBy, personID string, now time.Time) (string, error) {
	p, err := s.Person(ctx, personID)
	if err != nil {
		return "", err
	}
	if p.State != deputybot.PersonInvited {
		return "", deputybot.Errorf(deputybot.ECONFLICT, "err.person_joined", "Name", p.Name)
	}
	cur, err := s.invitations.Find(ctx, bson.D{{Key: "personId", Value: personID}})
	if err != nil {
		return "", err
	}
	var old []deputybot.Invitation
	if err := cur.All(ctx, &old); err != nil {
		return "", err
	}
	role := p.Roles[0]
	for _, inv := range old {
		role = inv.Role
		if inv.UsedAt.IsZero() && !inv.Revoked {
			if _, err := s.invitations.UpdateOne(ctx, byID(inv.TokenHash),
				bson.D{{Key: "$set", Value: bson.D{{Key: "revoked", Value: true}}}}); err != nil {
				return "", err
			}
		}
	}
	return s.newInvitation(ctx, personID, role, createdBy, now)
}

// Redeem implements deputybot.InvitationService.
func (s *Store) Redeem(ctx context.Context, token string, u deputybot.TelegramUser, now time.Time) (*deputybot.Person, error) {
	if !deputybot.LooksLikeToken(token) {
		return nil, deputybot.Errorf(deputybot.ENOTFOUND, "err.invite_unknown")
	}
	hash := deputybot.HashToken(token)
	var inv deputybot.Invitation
	if err := s.invitations.FindOne(ctx, byID(hash)).Decode(&inv); err != nil {
		return nil, notFound(err, "err.invite_unknown")
	}
	if err := inv.CheckRedeemable(now); err != nil {
		return nil, err
	}
	invited, err := s.Person(ctx, inv.PersonID)
	if err != nil {
		return nil, err
	}
	// The claim makes the link single-use even when two people open it at
	// the same moment: only one insert of this key succeeds.
	first, err := s.Claim(ctx, "invite:"+hash, now)
	if err != nil {
		return nil, err
	}
	if !first {
		return nil, deputybot.Errorf(deputybot.ECONFLICT, "err.invite_used")
	}
	if _, err := s.invitations.UpdateOne(ctx, byID(hash), bson.D{{Key: "$set", Value: bson.D{
		{Key: "usedAt", Value: now}, {Key: "usedBy", Value: u.ID},
	}}}); err != nil {
		return nil, err
	}

	existing, err := s.PersonByTelegramID(ctx, u.ID)
	switch {
	case err == nil:
		return s.mergeInvitation(ctx, existing, invited, inv.Role, now)
	case deputybot.ErrorCode(err) != deputybot.ENOTFOUND:
		return nil, err
	}
	if err := s.bind(ctx, u.ID, invited.ID, now); err != nil {
		if errors.Is(err, errAlreadyBound) {
			// The same user redeemed two links at once: fold this one in.
			existing, err := s.PersonByTelegramID(ctx, u.ID)
			if err != nil {
				return nil, err
			}
			return s.mergeInvitation(ctx, existing, invited, inv.Role, now)
		}
		return nil, err
	}
	invited.State = deputybot.PersonActive
	invited.TelegramID = u.ID
	invited.Username = u.Username
	invited.Language = deputybot.LanguageFromTelegram(u.LanguageCode)
	invited.ActivatedAt = now
	if err := s.replacePerson(ctx, invited); err != nil {
		return nil, err
	}
	return invited, nil
}

// mergeInvitation gives an already registered person the invitation's role
// (and its department, for a contact), and marks the invited record as
// merged into that person.
func (s *Store) mergeInvitation(ctx context.Context, existing, invited *deputybot.Person, role deputybot.Role, now time.Time) (*deputybot.Person, error) {
	existing.AddRole(role)
	if invited.DepartmentID != "" {
		existing.DepartmentID = invited.DepartmentID
	}
	if existing.Phone == "" {
		existing.Phone = invited.Phone
	}
	if err := s.replacePerson(ctx, existing); err != nil {
		return nil, err
	}
	if err := s.updatePerson(ctx, invited.ID, bson.D{{Key: "$set", Value: bson.D{
		{Key: "state", Value: string(deputybot.PersonMerged)},
		{Key: "mergedInto", Value: existing.ID},
		{Key: "activatedAt", Value: now},
	}}}); err != nil {
		return nil, err
	}
	return existing, nil
}

package storage

import "context"

// StoredNotices returns the notices an item's document holds (its latest
// change's, until they are in the outbox).
func (s *Store) StoredNotices(ctx context.Context, id string) ([]string, error) {
	doc, err := s.itemDoc(ctx, id)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, n := range doc.Pending {
		ids = append(ids, n.ID)
	}
	return ids, nil
}

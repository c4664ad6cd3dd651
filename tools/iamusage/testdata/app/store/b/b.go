// Package b is the store of table B.
package b

import "example.com/app/sdk/dynamodb"

type DB interface {
	dynamodb.ScanAPIClient
	UpdateItem(ctx dynamodb.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
}

type Store struct{ db DB }

func New(db DB) *Store { return &Store{db: db} }

// All scans through the SDK's paginator.
func (s *Store) All(ctx dynamodb.Context) error {
	p := dynamodb.NewScanPaginator(s.db, &dynamodb.ScanInput{})
	_, err := p.NextPage(ctx)
	return err
}

// Touch calls UpdateItem through a method value (a synthetic bound wrapper).
func (s *Store) Touch(ctx dynamodb.Context) error {
	update := s.db.UpdateItem
	_, err := update(ctx, &dynamodb.UpdateItemInput{})
	return err
}

// Package a is the store of table A.
package a

import "example.com/app/sdk/dynamodb"

type DB interface {
	GetItem(ctx dynamodb.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx dynamodb.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	DeleteItem(ctx dynamodb.Context, in *dynamodb.DeleteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
}

type Store struct{ db DB }

func New(db DB) *Store { return &Store{db: db} }

// Get calls GetItem from a closure.
func (s *Store) Get(ctx dynamodb.Context) error {
	get := func() error {
		_, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{})
		return err
	}
	return get()
}

func (s *Store) Put(ctx dynamodb.Context) error {
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{})
	return err
}

// Delete is exported and *Store is converted to an interface, so RTA counts
// it reachable (reflection could call it), but no code calls it.
func (s *Store) Delete(ctx dynamodb.Context) error {
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{})
	return err
}

// Package rogue calls the client outside of any table's store.
package rogue

import "example.com/app/sdk/dynamodb"

func Write(ctx dynamodb.Context, c *dynamodb.Client) error {
	_, err := c.PutItem(ctx, &dynamodb.PutItemInput{})
	return err
}

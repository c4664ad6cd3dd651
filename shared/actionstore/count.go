package actionstore

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/twitter-sessions/twitter-sessions/shared/campaigns"
)

var _ campaigns.UserCount = (*Store)(nil)

// ApproxUsers is the users table's item count as DynamoDB last published it
// (DescribeTable's ItemCount, refreshed about every six hours): one small
// request that reads no item, where counting them would Scan the table. It
// counts every item, the brand's and the unsubscribed users' included.
func (s *Store) ApproxUsers(ctx context.Context) (int64, error) {
	out, err := s.DB.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(s.Name)})
	if err != nil {
		return 0, fmt.Errorf("actionstore: describe %s: %w", s.Name, err)
	}
	if out.Table == nil || out.Table.ItemCount == nil {
		return 0, fmt.Errorf("actionstore: describe %s: no item count", s.Name)
	}
	return *out.Table.ItemCount, nil
}

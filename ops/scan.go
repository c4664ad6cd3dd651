package ops

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
)

// DefaultPageSize is how many items one Scan request asks for. A page is
// also bounded by DynamoDB's 1 MB, so what a command holds at once is one
// page, whatever the table's size.
const DefaultPageSize = 1000

// scan reads table with in, one page at a time, handing each page to page
// before asking for the next: nothing of an earlier page is kept here.
func (t *Target) scan(ctx context.Context, table string, in *dynamodb.ScanInput, pageSize int32, p *Progress, page func([]dynamo.Item) error) error {
	in.TableName = aws.String(table)
	in.Limit = aws.Int32(max(pageSize, 1))
	pages := dynamodb.NewScanPaginator(t.DB, in)
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		if err != nil {
			return t.explain(table, err)
		}
		if err := page(out.Items); err != nil {
			return err
		}
		p.Add(len(out.Items))
	}
	return nil
}

// Progress prints a line on W every Every items, and the total at Done, so
// that a long Scan shows it is alive. A nil *Progress or W prints nothing.
type Progress struct {
	W     io.Writer
	What  string // "subscribers: "
	Every int    // items between lines; 0 is 10,000
	Now   func() time.Time

	start time.Time
	n     int
	next  int
}

// Add counts n more items.
func (p *Progress) Add(n int) {
	if p == nil || p.W == nil {
		return
	}
	if p.start.IsZero() {
		p.start, p.next = p.now(), p.every()
	}
	p.n += n
	for p.n >= p.next {
		fmt.Fprintf(p.W, "%s%d users read (%s)\n", p.What, p.n, p.now().Sub(p.start).Round(time.Millisecond))
		p.next += p.every()
	}
}

// Done prints the total.
func (p *Progress) Done() {
	if p == nil || p.W == nil {
		return
	}
	if p.start.IsZero() {
		p.start = p.now()
	}
	fmt.Fprintf(p.W, "%sdone: %d users read in %s\n", p.What, p.n, p.now().Sub(p.start).Round(time.Millisecond))
}

func (p *Progress) every() int {
	if p.Every <= 0 {
		return 10000
	}
	return p.Every
}

func (p *Progress) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

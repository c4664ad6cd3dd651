// Package dynamodb stands for the SDK's client: operations are methods of
// *Client shaped func(ctx, *<Op>Input, ...func(*Options)) (*<Op>Output, error).
// The module imports no standard package, which keeps its analysis fast.
package dynamodb

// Context stands for Context.
type Context interface{ Done() <-chan struct{} }

type Options struct{ Discover bool }

type Client struct{ options Options }

type (
	GetItemInput            struct{}
	GetItemOutput           struct{}
	PutItemInput            struct{}
	PutItemOutput           struct{}
	DeleteItemInput         struct{}
	DeleteItemOutput        struct{}
	UpdateItemInput         struct{}
	UpdateItemOutput        struct{}
	ScanInput               struct{}
	ScanOutput              struct{}
	DescribeEndpointsInput  struct{}
	DescribeEndpointsOutput struct{}
)

func (c *Client) GetItem(ctx Context, in *GetItemInput, opts ...func(*Options)) (*GetItemOutput, error) {
	c.discover(ctx)
	return &GetItemOutput{}, nil
}

func (c *Client) PutItem(ctx Context, in *PutItemInput, opts ...func(*Options)) (*PutItemOutput, error) {
	return &PutItemOutput{}, nil
}

func (c *Client) DeleteItem(ctx Context, in *DeleteItemInput, opts ...func(*Options)) (*DeleteItemOutput, error) {
	return &DeleteItemOutput{}, nil
}

func (c *Client) UpdateItem(ctx Context, in *UpdateItemInput, opts ...func(*Options)) (*UpdateItemOutput, error) {
	return &UpdateItemOutput{}, nil
}

func (c *Client) Scan(ctx Context, in *ScanInput, opts ...func(*Options)) (*ScanOutput, error) {
	return &ScanOutput{}, nil
}

func (c *Client) DescribeEndpoints(ctx Context, in *DescribeEndpointsInput, opts ...func(*Options)) (*DescribeEndpointsOutput, error) {
	return &DescribeEndpointsOutput{}, nil
}

// Options is a method of the client but no operation.
func (c *Client) Options() Options { return c.options }

// discover is the SDK calling one of its own operations (endpoint discovery).
func (c *Client) discover(ctx Context) {
	if c.options.Discover {
		c.DescribeEndpoints(ctx, &DescribeEndpointsInput{})
	}
}

type ScanAPIClient interface {
	Scan(ctx Context, in *ScanInput, opts ...func(*Options)) (*ScanOutput, error)
}

// ScanPaginator calls Scan on behalf of whoever calls NextPage.
type ScanPaginator struct{ client ScanAPIClient }

func NewScanPaginator(c ScanAPIClient, in *ScanInput) *ScanPaginator {
	return &ScanPaginator{client: c}
}

func (p *ScanPaginator) NextPage(ctx Context) (*ScanOutput, error) {
	return p.client.Scan(ctx, &ScanInput{})
}

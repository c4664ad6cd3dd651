package main

import (
	"example.com/app/sdk/dynamodb"
	"example.com/app/store/a"
	"example.com/app/store/b"
)

type ctx struct{}

func (ctx) Done() <-chan struct{} { return nil }

// sink makes *a.Store a runtime type: RTA then counts its exported methods
// reachable (reflection could call them), Delete included.
var sink any

func main() {
	c := &dynamodb.Client{}
	sa := a.New(c)
	sink = sa
	handle := func() error {
		if err := sa.Get(ctx{}); err != nil {
			return err
		}
		return sa.Put(ctx{})
	}
	run(handle)
	sb := b.New(c)
	println(sb.All(ctx{}), sb.Touch(ctx{}), c.Options().Discover)
}

// run calls the handler through a function value, as lambda.Start does.
func run(h func() error) { println(h()) }

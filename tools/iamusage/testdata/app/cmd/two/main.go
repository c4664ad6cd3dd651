package main

import (
	"example.com/app/rogue"
	"example.com/app/sdk/dynamodb"
	"example.com/app/store/a"
)

type ctx struct{}

func (ctx) Done() <-chan struct{} { return nil }

func main() {
	c := &dynamodb.Client{}
	println(a.New(c).Get(ctx{}), rogue.Write(ctx{}, c))
}

// Command etcd is the stock etcd server, built from the published
// go.etcd.io/etcd/server/v3 module so that no etcd release tarball is needed.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}

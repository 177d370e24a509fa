#!/bin/sh
echo "lint: scanning 42 files"
echo "warning: unused variable in net/socket.c"
echo "note: deprecated api in ui/widget.c (ignored)"
echo "lint finished"

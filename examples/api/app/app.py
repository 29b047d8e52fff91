"""The example application: prints what it runs as."""
import os
import sys

print(f"api running as {os.getuid()}:{os.getgid()} with {sys.executable}")

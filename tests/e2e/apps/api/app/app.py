"""Stand-in application for the end-to-end suite: prints what it runs as."""
import os
import sys

print(f"api (test app) running as {os.getuid()}:{os.getgid()} with {sys.executable}")

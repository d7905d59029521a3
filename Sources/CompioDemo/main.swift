import Compio
print("compio-demo: driver core")

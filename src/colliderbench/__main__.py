from colliderbench.cli import main

main()

from dlenv.cli import main

main()

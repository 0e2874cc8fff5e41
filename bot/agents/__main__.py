from bot.agents.server import main

main()
